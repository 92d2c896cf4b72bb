import { desc, eq } from "drizzle-orm";
import { z } from "zod";
import { tips } from "./schema.js";
import { idempotentProcedure, publicProcedure, router } from "./trpc.js";

export const appRouter = router({
  sendTip: idempotentProcedure
    .input(z.object({ amountCents: z.number().int().positive(), message: z.string().max(200) }))
    .mutation(async ({ ctx, input }) => {
      const [tip] = await ctx.tx
        .insert(tips)
        .values({ userId: ctx.principalId, ...input })
        .returning();
      return tip;
    }),
  myTips: publicProcedure.query(({ ctx }) =>
    ctx.db.select().from(tips).where(eq(tips.userId, ctx.principalId)).orderBy(desc(tips.createdAt)),
  ),
});
export type AppRouter = typeof appRouter;
