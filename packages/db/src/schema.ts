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
  primaryKey,
  text,
  timestamp,
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
  (t) => [index("ledger_entries_account_idx").on(t.accountId), index("ledger_entries_movement_idx").on(t.movementId)],
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
 * "completed": the answer is stored. "in_progress" exists only in phased mode (procedures with
 * effects outside the database): a lease (`locked_until`) and a recovery point let a retry or
 * the resumer finish the work. Atomic mode never leaves "in_progress" behind: the key row,
 * the writes and the answer commit together.
 */
export const idempotencyKeyStatus = pgEnum("idempotency_key_status", ["in_progress", "completed"]);

export const idempotencyKeys = pgTable(
  "idempotency_keys",
  {
    principalId: uuid("principal_id")
      .notNull()
      .references(() => principals.id),
    key: text("key").notNull(),
    requestPath: text("request_path").notNull(),
    // SHA-256 (hex) of the procedure path and the canonical JSON of the parsed input.
    fingerprint: char("fingerprint", { length: 64 }).notNull(),
    status: idempotencyKeyStatus("status").notNull(),
    responseStatus: integer("response_status"),
    // text, not jsonb: jsonb reorders keys, and a replay must be byte-identical.
    responseBody: text("response_body"),
    createdAt: createdAt(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    replayCount: integer("replay_count").notNull().default(0),
    lastReplayedAt: timestamp("last_replayed_at", { withTimezone: true }),
    // Phased mode only: the parsed input (for the resumer), the last phase that committed,
    // what the phases so far produced, and the lease of whoever is working on the key.
    requestBody: text("request_body"),
    recoveryPoint: text("recovery_point"),
    phaseState: text("phase_state"),
    lockedUntil: timestamp("locked_until", { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.principalId, t.key] }),
    index("idempotency_keys_expires_idx").on(t.expiresAt),
    index("idempotency_keys_in_progress_idx").on(t.lockedUntil).where(sql`${t.status} = 'in_progress'`),
  ],
);
