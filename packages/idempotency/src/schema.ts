import { sql } from "drizzle-orm";
import { char, check, index, integer, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";

/** The key table's primary key: a unique violation of it means the key's row exists already. */
export const KEY_TABLE_PRIMARY_KEY = "oncely_idempotency_keys_pkey";

/**
 * The engine's one table, as a Drizzle definition: add it to your drizzle-kit schema
 * (`export { idempotencyKeys } from "@oncely/idempotency/schema"`) and generate your own
 * migration, or apply the package's `sql/*.sql` files instead. Both come from this definition.
 *
 * `status`: "completed" means the answer is stored. "in_progress" exists only in phased mode
 * (procedures with effects outside the database): a lease (`locked_until`) and a recovery
 * point let a retry or the resumer finish the work. Atomic mode never leaves "in_progress"
 * behind: the key row, the writes and the answer commit together.
 */
export const idempotencyKeys = pgTable(
  "oncely_idempotency_keys",
  {
    // Whoever the app says is calling (a user, a tenant, an API key id): any string. Keys are
    // scoped to it; no foreign key, so the engine never needs the app's tables.
    principalId: text("principal_id").notNull(),
    key: text("key").notNull(),
    requestPath: text("request_path").notNull(),
    // SHA-256 (hex) of the procedure path and the canonical JSON of the parsed input.
    fingerprint: char("fingerprint", { length: 64 }).notNull(),
    status: text("status", { enum: ["in_progress", "completed"] }).notNull(),
    responseStatus: integer("response_status"),
    // text, not jsonb: jsonb reorders keys, and a replay must be byte-identical.
    responseBody: text("response_body"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    replayCount: integer("replay_count").notNull().default(0),
    lastReplayedAt: timestamp("last_replayed_at", { withTimezone: true }),
    // Phased mode only: the parsed input (for the resumer), the last phase that committed,
    // what the phases so far produced, and the lease of whoever is working on the key.
    requestBody: text("request_body"),
    recoveryPoint: text("recovery_point"),
    phaseState: text("phase_state"),
    lockedUntil: timestamp("locked_until", { withTimezone: true }),
    // Who holds the lease: a worker writes only while its lease id is still the row's.
    leaseId: uuid("lease_id"),
  },
  (t) => [
    primaryKey({ name: KEY_TABLE_PRIMARY_KEY, columns: [t.principalId, t.key] }),
    index("oncely_idempotency_keys_expires_idx").on(t.expiresAt),
    index("oncely_idempotency_keys_in_progress_idx").on(t.lockedUntil).where(sql`${t.status} = 'in_progress'`),
    check("oncely_idempotency_keys_status_check", sql`${t.status} IN ('in_progress', 'completed')`),
  ],
);

/** A row of the key table, as Drizzle reads it. */
export type IdempotencyKeyRow = typeof idempotencyKeys.$inferSelect;
