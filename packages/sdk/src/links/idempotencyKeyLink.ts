import type { TRPCLink } from "@trpc/client";
import type { AnyTRPCRouter } from "@trpc/server";
import { observable } from "@trpc/server/observable";
import { assertValidIdempotencyKey, newIdempotencyKey } from "../idempotencyKey";

declare module "@trpc/client" {
  interface OperationContext {
    /** The key for this logical mutation. Pass your own to tie several calls to one operation. */
    idempotencyKey?: string;
  }
}

/**
 * Gives every mutation one idempotency key in `op.context`, before the first attempt.
 * Links after it (the retry link) see the same context on every attempt, so every retry
 * carries the same key.
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
          return observable((observer) => observer.error(error as never));
        }
      }
      return next({ ...op, context: { ...op.context, idempotencyKey: given ?? newIdempotencyKey() } });
    };
}
