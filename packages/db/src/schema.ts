import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  boolean,
  char,
  check,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

/** Money is always integer minor units (cents) next to an ISO 4217 code. */
const money = (name: string) => bigint(name, { mode: "number" });
const createdAt = () => timestamp("created_at", { withTimezone: true }).notNull().defaultNow();

export const principals = pgTable("principals", {
  id: uuid("id").primaryKey().defaultRandom(),
  name: text("name").notNull().unique(),
  // SHA-256 (hex) of the secret API key: the key itself is never stored.
  apiKeyHash: char("api_key_hash", { length: 64 }).notNull().unique(),
  createdAt: createdAt(),
});

export const accountKind = pgEnum("account_kind", ["customer", "merchant", "equity"]);

export const accounts = pgTable(
  "accounts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    principalId: uuid("principal_id")
      .notNull()
      .references(() => principals.id),
    name: text("name").notNull(),
    kind: accountKind("kind").notNull(),
    currency: char("currency", { length: 3 }).notNull(),
    balance: money("balance").notNull().default(0),
    // Only equity accounts (where opening balances come from) may go below zero.
    allowNegative: boolean("allow_negative").notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [
    index("accounts_principal_idx").on(t.principalId),
    // Payments credit "the" merchant account of the order's currency: there is at most one.
    uniqueIndex("accounts_one_merchant_per_currency").on(t.principalId, t.currency).where(sql`${t.kind} = 'merchant'`),
    check("accounts_balance_non_negative", sql`${t.allowNegative} OR ${t.balance} >= 0`),
  ],
);

export const ledgerEntries = pgTable(
  "ledger_entries",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    // All entries of one movement share a transfer id and sum to zero.
    movementId: uuid("movement_id").notNull(),
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id),
    amount: money("amount").notNull(),
    currency: char("currency", { length: 3 }).notNull(),
    description: text("description").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index("ledger_entries_account_idx").on(t.accountId),
    index("ledger_entries_movement_idx").on(t.movementId),
    // A zero entry moves nothing and would only hide mistakes.
    check("ledger_entries_amount_non_zero", sql`${t.amount} <> 0`),
  ],
);

export const orderStatus = pgEnum("order_status", ["pending", "paid", "cancelled"]);

export const orders = pgTable(
  "orders",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    principalId: uuid("principal_id")
      .notNull()
      .references(() => principals.id),
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id),
    amount: money("amount").notNull(),
    currency: char("currency", { length: 3 }).notNull(),
    description: text("description"),
    status: orderStatus("status").notNull().default("pending"),
    version: integer("version").notNull().default(1),
    shipping: jsonb("shipping"),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("orders_principal_created_idx").on(t.principalId, t.createdAt),
    check("orders_amount_positive", sql`${t.amount} > 0`),
  ],
);

/**
 * A successful charge of an order. Failed attempts leave no row (their business error is
 * stored under the idempotency key instead), so the unique index on `order_id` is the rule
 * "an order has at most one successful payment", enforced by the database itself.
 */
export const payments = pgTable(
  "payments",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    principalId: uuid("principal_id")
      .notNull()
      .references(() => principals.id),
    orderId: uuid("order_id")
      .notNull()
      .references(() => orders.id),
    // The customer account charged and the merchant account credited.
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id),
    merchantAccountId: uuid("merchant_account_id")
      .notNull()
      .references(() => accounts.id),
    amount: money("amount").notNull(),
    currency: char("currency", { length: 3 }).notNull(),
    // Sum of this payment's refunds, kept on the row that refunds lock (see refunds).
    refundedAmount: money("refunded_amount").notNull().default(0),
    movementId: uuid("movement_id").notNull().unique(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("payments_order_unique").on(t.orderId),
    index("payments_principal_created_idx").on(t.principalId, t.createdAt),
    check("payments_amount_positive", sql`${t.amount} > 0`),
    check("payments_refunded_within_amount", sql`${t.refundedAmount} >= 0 AND ${t.refundedAmount} <= ${t.amount}`),
  ],
);

/** A partial or full refund of a payment: money back from the merchant to the customer. */
export const refunds = pgTable(
  "refunds",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    principalId: uuid("principal_id")
      .notNull()
      .references(() => principals.id),
    paymentId: uuid("payment_id")
      .notNull()
      .references(() => payments.id),
    amount: money("amount").notNull(),
    currency: char("currency", { length: 3 }).notNull(),
    movementId: uuid("movement_id").notNull().unique(),
    createdAt: createdAt(),
  },
  (t) => [
    index("refunds_payment_idx").on(t.paymentId),
    index("refunds_principal_created_idx").on(t.principalId, t.createdAt),
    check("refunds_amount_positive", sql`${t.amount} > 0`),
  ],
);

/** Money moved between two of one principal's accounts. */
export const transfers = pgTable(
  "transfers",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    principalId: uuid("principal_id")
      .notNull()
      .references(() => principals.id),
    fromAccountId: uuid("from_account_id")
      .notNull()
      .references(() => accounts.id),
    toAccountId: uuid("to_account_id")
      .notNull()
      .references(() => accounts.id),
    amount: money("amount").notNull(),
    currency: char("currency", { length: 3 }).notNull(),
    movementId: uuid("movement_id").notNull().unique(),
    createdAt: createdAt(),
  },
  (t) => [
    index("transfers_principal_created_idx").on(t.principalId, t.createdAt),
    check("transfers_amount_positive", sql`${t.amount} > 0`),
    check("transfers_distinct_accounts", sql`${t.fromAccountId} <> ${t.toAccountId}`),
  ],
);

export const outboxTopic = pgEnum("outbox_topic", ["order_confirmation", "payment_receipt"]);

/**
 * The transactional outbox: a message is written in the same transaction as the change it
 * announces, so it exists if and only if the change committed. A worker delivers it later,
 * at least once; `id` is the message id the receiver dedupes on.
 */
export const outboxMessages = pgTable(
  "outbox_messages",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    principalId: uuid("principal_id")
      .notNull()
      .references(() => principals.id),
    topic: outboxTopic("topic").notNull(),
    // The order (or payment) the message is about: one message per topic and subject.
    subjectId: uuid("subject_id").notNull(),
    recipient: text("recipient").notNull(),
    subject: text("subject").notNull(),
    body: text("body").notNull(),
    createdAt: createdAt(),
    attempts: integer("attempts").notNull().default(0),
    // After a failed send the message waits until then (backoff), so one bad message cannot spin.
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }).notNull().defaultNow(),
    lastError: text("last_error"),
    deliveredAt: timestamp("delivered_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("outbox_messages_topic_subject_unique").on(t.topic, t.subjectId),
    index("outbox_messages_pending_idx").on(t.nextAttemptAt).where(sql`${t.deliveredAt} IS NULL`),
  ],
);

/**
 * The demo mail sink: stands in for an email provider outside our transaction. It is an
 * idempotent consumer: a message id it has seen is counted (`deliveries`) but not stored or
 * "sent" again, so a redelivery after a crash between send and acknowledge is harmless.
 */
export const mailSink = pgTable("mail_sink", {
  messageId: uuid("message_id").primaryKey(),
  recipient: text("recipient").notNull(),
  subject: text("subject").notNull(),
  body: text("body").notNull(),
  receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
  deliveries: integer("deliveries").notNull().default(1),
});

// The idempotency engine's key table comes from the library itself, exactly as a stranger's
// app would take it: drizzle-kit generates our migration for it from this definition.
export { idempotencyKeys } from "@oncely/idempotency/schema";
