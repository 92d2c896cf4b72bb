import { and, desc, eq, gte, lt, lte, or, type SQL, schema, sql } from "@oncely/db";
import { z } from "zod";
import { idSchema, plainText } from "../domain/fields";
import { lockOwnOrder } from "../domain/locks";
import { amountSchema, currencySchema, MAX_AMOUNT } from "../domain/money";
import { enqueueOrderConfirmation } from "../domain/outbox";
import { afterCursor, cursorSchema, pageLimitSchema, toPage } from "../domain/pagination";
import { orderResponse } from "../domain/responses";
import { apiError } from "../errors";
import { authedProcedure, createRouter, idempotency, optionalIdempotency } from "../trpc";

const { accounts, orders, payments } = schema;

export const createOrderInput = z.strictObject({
  accountId: idSchema("accountId must be an account id (a UUID)"),
  amount: amountSchema,
  currency: currencySchema,
  description: plainText("description", { multiline: true })
    .max(500, { error: "description must be at most 500 characters" })
    .optional(),
});

export const orderIdSchema = idSchema("orderId must be an order id (a UUID)");
const orderIdInput = z.strictObject({ orderId: orderIdSchema });

/** What a person sees of an order: its own status, or its payment's once refunds began. */
export const ORDER_LIST_STATUSES = ["pending", "paid", "partially_refunded", "refunded", "cancelled"] as const;

const listAmount = (field: string) =>
  z
    .number({ error: `${field} must be a number of minor units (e.g. cents)` })
    .int({ error: `${field} must be an integer number of minor units` })
    .min(0, { error: `${field} must not be negative` })
    .max(MAX_AMOUNT, { error: `${field} must be at most ${MAX_AMOUNT} minor units` });
const listDate = (field: string) => z.iso.datetime({ offset: true, error: `${field} must be an ISO 8601 date-time` });

const listOrdersInput = z
  .strictObject({
    limit: pageLimitSchema,
    cursor: cursorSchema,
    status: z
      .enum(ORDER_LIST_STATUSES, { error: `status must be one of ${ORDER_LIST_STATUSES.join(", ")}` })
      .optional(),
    /** Created at or after this instant. */
    createdFrom: listDate("createdFrom").optional(),
    /** Created before this instant. */
    createdBefore: listDate("createdBefore").optional(),
    minAmount: listAmount("minAmount").optional(),
    maxAmount: listAmount("maxAmount").optional(),
    /** The start of an order id, or words of its description. */
    search: plainText("search").trim().max(100, { error: "search must be at most 100 characters" }).optional(),
  })
  .default({ limit: 20 });

/** `%`, `_` and `\` match literally in LIKE. */
const likeLiteral = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

function listFilters(input: z.output<typeof listOrdersInput>): (SQL | undefined)[] {
  const refunded = sql`coalesce(${payments.refundedAmount}, 0)`;
  const byStatus: Record<(typeof ORDER_LIST_STATUSES)[number], SQL | undefined> = {
    pending: eq(orders.status, "pending"),
    cancelled: eq(orders.status, "cancelled"),
    paid: and(eq(orders.status, "paid"), sql`${refunded} = 0`),
    partially_refunded: and(eq(orders.status, "paid"), sql`${refunded} > 0`, sql`${refunded} < ${orders.amount}`),
    refunded: and(eq(orders.status, "paid"), sql`${refunded} = ${orders.amount}`),
  };
  const search = input.search ? likeLiteral(input.search) : "";
  return [
    input.status ? byStatus[input.status] : undefined,
    input.createdFrom ? gte(orders.createdAt, new Date(input.createdFrom)) : undefined,
    input.createdBefore ? lt(orders.createdAt, new Date(input.createdBefore)) : undefined,
    input.minAmount !== undefined ? gte(orders.amount, input.minAmount) : undefined,
    input.maxAmount !== undefined ? lte(orders.amount, input.maxAmount) : undefined,
    search
      ? or(sql`${orders.id}::text ILIKE ${`${search}%`}`, sql`${orders.description} ILIKE ${`%${search}%`}`)
      : undefined,
  ];
}

/** An order in a list, with its payment's progress (refunds change what a person calls it). */
function orderListItem(row: { order: OrderRow; payment: PaymentProgress | null }) {
  return { ...orderResponse(row.order), payment: row.payment };
}
type OrderRow = typeof orders.$inferSelect;
type PaymentProgress = { id: string; refundedAmount: number };
export type OrderListItem = ReturnType<typeof orderListItem>;

const line = (field: string, max: number) =>
  plainText(field)
    .trim()
    .min(1, { error: `${field} must not be empty` })
    .max(max, { error: `${field} must be at most ${max} characters` });

/** A full shipping address: updateShipping replaces the whole thing (PUT semantics). */
export const shippingSchema = z.strictObject({
  name: line("name", 200),
  line1: line("line1", 200),
  line2: line("line2", 200).optional(),
  city: line("city", 100),
  postalCode: line("postalCode", 20),
  country: z
    .string({ error: "country must be a string" })
    .regex(/^[A-Z]{2}$/, { error: "country must be a two-letter ISO 3166-1 code in upper case, e.g. DE" }),
});

export const updateShippingInput = z.strictObject({
  orderId: orderIdSchema,
  expectedVersion: z
    .number({ error: "expectedVersion must be the order's current version (a number)" })
    .int({ error: "expectedVersion must be an integer" })
    .min(1, { error: "expectedVersion starts at 1" }),
  shipping: shippingSchema,
});

export const ordersRouter = createRouter({
  /** Creates a pending order charging one of the principal's customer accounts. */
  create: authedProcedure
    .input(createOrderInput)
    .concat(idempotency)
    .mutation(async ({ ctx, input }) => {
      // The hot path's statements are prepared (fixed shapes): postgres.js keeps them per
      // connection, so each is one round trip and PostgreSQL does not parse it again.
      const [account] = await ctx.tx
        .select({ kind: accounts.kind, currency: accounts.currency })
        .from(accounts)
        .where(and(eq(accounts.id, input.accountId), eq(accounts.principalId, ctx.principalId)))
        .prepare("orders_create_account")
        .execute();
      if (!account) throw apiError("account_not_found", `No account ${input.accountId}`);
      if (account.kind !== "customer") {
        throw apiError(
          "account_not_chargeable",
          `Account ${input.accountId} is a ${account.kind} account; orders charge customer accounts`,
        );
      }
      if (account.currency !== input.currency) {
        throw apiError(
          "currency_mismatch",
          `Account ${input.accountId} holds ${account.currency}, not ${input.currency}`,
        );
      }
      const [order] = await ctx.tx
        .insert(orders)
        .values({
          principalId: ctx.principalId,
          accountId: input.accountId,
          amount: input.amount,
          currency: input.currency,
          description: input.description ?? null,
        })
        .returning()
        .prepare("orders_create_insert")
        .execute();
      if (!order) throw new Error("INSERT ... RETURNING gave no order");
      // Same transaction: the confirmation email exists exactly when the order does.
      await enqueueOrderConfirmation(ctx.tx, order);
      return orderResponse(order);
    }),

  get: authedProcedure.input(orderIdInput).query(async ({ ctx, input }) => {
    const [order] = await ctx.db
      .select()
      .from(orders)
      .where(and(eq(orders.id, input.orderId), eq(orders.principalId, ctx.principalId)));
    // Another principal's order is "not found" too: existence must not leak.
    if (!order) throw apiError("order_not_found", `No order ${input.orderId}`);
    return orderResponse(order);
  }),

  /**
   * Newest first, optionally filtered (status as a person sees it, created between, amount
   * between, id prefix or description words); pass `nextCursor` back as `cursor`.
   */
  list: authedProcedure.input(listOrdersInput).query(async ({ ctx, input }) => {
    const after = await afterCursor(ctx.db, orders, { principalId: ctx.principalId, cursor: input.cursor }, () =>
      apiError("order_not_found", `Unknown cursor ${input.cursor}`),
    );
    const rows = await ctx.db
      .select({ order: orders, payment: { id: payments.id, refundedAmount: payments.refundedAmount } })
      .from(orders)
      .leftJoin(payments, eq(payments.orderId, orders.id))
      .where(and(eq(orders.principalId, ctx.principalId), after, ...listFilters(input)))
      .orderBy(desc(orders.createdAt), desc(orders.id))
      .limit(input.limit + 1);
    return toPage(
      rows.map((row) => ({ id: row.order.id, ...row })),
      input.limit,
      orderListItem,
    );
  }),

  /**
   * Cancels a pending order. Naturally idempotent, so no Idempotency-Key is needed: cancelling
   * a cancelled order answers with that same order and writes nothing. A paid order is
   * refused (`order_already_paid`): money only moves through keyed procedures, so the caller
   * refunds it with `refunds.create` instead.
   */
  cancel: authedProcedure.input(orderIdInput).mutation(({ ctx, input }) =>
    ctx.db.transaction(async (tx) => {
      // Locked, so a concurrent payment either sees "cancelled" or has already made it "paid".
      const order = await lockOwnOrder(tx, ctx.principalId, input.orderId);
      if (order.status === "cancelled") return orderResponse(order);
      if (order.status === "paid") {
        throw apiError(
          "order_already_paid",
          `Order ${order.id} is paid and cannot be cancelled; refund its payment with refunds.create`,
        );
      }
      const [cancelled] = await tx
        .update(orders)
        .set({ status: "cancelled", version: sql`${orders.version} + 1`, updatedAt: sql`now()` })
        .where(eq(orders.id, order.id))
        .returning();
      if (!cancelled) throw new Error("UPDATE ... RETURNING gave no order");
      return orderResponse(cancelled);
    }),
  ),

  /**
   * Replaces the shipping address if the order is still at `expectedVersion` (optimistic
   * locking); bumps the version. A stale version is a 412 and writes nothing. With an
   * Idempotency-Key a retry replays the first answer instead of tripping over its own bump.
   */
  updateShipping: authedProcedure
    .input(updateShippingInput)
    .concat(optionalIdempotency)
    .mutation(async ({ ctx, input }) => {
      const order = await lockOwnOrder(ctx.tx, ctx.principalId, input.orderId);
      if (order.version !== input.expectedVersion) {
        throw apiError(
          "version_mismatch",
          `Order ${order.id} is at version ${order.version}, not ${input.expectedVersion}; fetch it and retry with its current version`,
        );
      }
      if (order.status === "cancelled") {
        throw apiError("order_cancelled", `Order ${order.id} is cancelled; its shipping address cannot change`);
      }
      const [updated] = await ctx.tx
        .update(orders)
        .set({ shipping: input.shipping, version: sql`${orders.version} + 1`, updatedAt: sql`now()` })
        .where(eq(orders.id, order.id))
        .returning();
      if (!updated) throw new Error("UPDATE ... RETURNING gave no order");
      return orderResponse(updated);
    }),
});
