import { accountsRouter } from "./router/accounts";
import { ordersRouter } from "./router/orders";
import { createRouter } from "./trpc";

export const appRouter = createRouter({
  accounts: accountsRouter,
  orders: ordersRouter,
});

export type AppRouter = typeof appRouter;
