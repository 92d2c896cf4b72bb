import { type IdempotencyContext, idempotent } from "@oncely/idempotency";
import { initTRPC } from "@trpc/server";
import type { Database } from "./db.js";

export type Context = IdempotencyContext<Database>;

const t = initTRPC.context<Context>().create();
export const router = t.router;
export const publicProcedure = t.procedure;
export const idempotentProcedure = t.procedure.concat(idempotent<Database>());
