import type { TRPCLink } from "@trpc/client";
import type { AnyTRPCRouter } from "@trpc/server";
import { observable } from "@trpc/server/observable";
import type { OncelyError } from "../errors";
import { assertValidIdempotencyKey, newIdempotencyKey } from "../idempotencyKey";
import "../operationContext";

/**
 * Gives every mutation one idempotency key in `op.context`, before the first attempt. Links
 * after it (the retry link) see the same context on every attempt, so every retry carries
 * the same key. A caller's own key (`context: { idempotencyKey }`) is checked like the server
 * checks it; a bad one fails with "invalid_idempotency_key" and nothing is sent.
 */
export function idempotencyKeyLink<TRouter extends AnyTRPCRouter>(): TRPCLink<TRouter> {
  return () =>
    ({ op, next }) => {
      if (op.type !== "mutation") return next(op);
      const given = op.context.idempotencyKey;
      if (given !== undefined) {
        try {
          assertValidIdempotencyKey(given);
        } catch (error) {
          return observable((observer) => observer.error(error as OncelyError));
        }
      }
      return next({ ...op, context: { ...op.context, idempotencyKey: given ?? newIdempotencyKey() } });
    };
}
