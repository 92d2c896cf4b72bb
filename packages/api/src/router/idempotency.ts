import { getKey, IdempotencyError, listKeys, MAX_KEY_LENGTH } from "@oncely/idempotency";
import { z } from "zod";
import { printableAscii } from "../domain/fields";
import { apiError } from "../errors";
import { authedProcedure, createRouter } from "../trpc";

const listKeysInput = z
  .strictObject({
    limit: z.number().int().min(1).max(100).default(20),
    cursor: printableAscii("cursor", { min: 0, max: 500 }).optional(),
  })
  .default({ limit: 20 });

/** The key inspector: a principal sees its own keys and nothing else. */
export const idempotencyRouter = createRouter({
  list: authedProcedure.input(listKeysInput).query(async ({ ctx, input }) => {
    try {
      return await listKeys(ctx.db, ctx.principalId, input);
    } catch (error) {
      if (error instanceof IdempotencyError) throw error.toTRPCError();
      throw error;
    }
  }),

  // A key is what an Idempotency-Key header can carry: 1 to 255 printable ASCII characters.
  get: authedProcedure
    .input(z.strictObject({ key: printableAscii("key", { min: 1, max: MAX_KEY_LENGTH }) }))
    .query(async ({ ctx, input }) => {
      const key = await getKey(ctx.db, ctx.principalId, input.key);
      if (!key) throw apiError("idempotency_key_not_found", `No idempotency key ${JSON.stringify(input.key)}`);
      return key;
    }),
});
