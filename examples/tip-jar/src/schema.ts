import { integer, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

// The app's own table: tips users send, in cents.
export const tips = pgTable("tips", {
  id: uuid("id").primaryKey().defaultRandom(),
  userId: text("user_id").notNull(),
  amountCents: integer("amount_cents").notNull(),
  message: text("message").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

// Oncely's key table, so drizzle-kit migrations include it.
export { idempotencyKeys } from "@oncely/idempotency/schema";
