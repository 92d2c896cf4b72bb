import { type Database, schema, sql } from "@oncely/db";

/** One email as the outbox worker hands it over. `messageId` is the outbox row's id. */
export interface MailMessage {
  messageId: string;
  to: string;
  subject: string;
  body: string;
}

/** Where the outbox worker sends mail: an email provider, or the demo sink below. */
export interface MailSink {
  /** Resolves once the receiver has the message. May be called again with the same message id. */
  send(message: MailMessage): Promise<void>;
}

const { mailSink } = schema;

/**
 * The demo mail sink: the `mail_sink` table, written through the pool (never through the
 * worker's transaction), so a send commits on its own like a call to an outside provider.
 * It is an idempotent consumer: a message id it already has only bumps `deliveries`; the
 * mail exists once however often the worker redelivers it.
 */
export function createDatabaseMailSink(db: Database): MailSink {
  // Prepared once on the pool: each send is one round trip, no query building, no re-parse.
  const insert = db
    .insert(mailSink)
    .values({
      messageId: sql.placeholder("messageId"),
      recipient: sql.placeholder("recipient"),
      subject: sql.placeholder("subject"),
      body: sql.placeholder("body"),
    })
    .onConflictDoUpdate({ target: mailSink.messageId, set: { deliveries: sql`${mailSink.deliveries} + 1` } })
    .prepare("mail_sink_send");
  return {
    async send(message) {
      await insert.execute({
        messageId: message.messageId,
        recipient: message.to,
        subject: message.subject,
        body: message.body,
      });
    },
  };
}
