import { accountsRouter } from "./router/accounts";
import { idempotencyRouter } from "./router/idempotency";
import { ordersRouter } from "./router/orders";
import { paymentsRouter } from "./router/payments";
import { refundsRouter } from "./router/refunds";
import { transfersRouter } from "./router/transfers";
import { createRouter } from "./trpc";

export const appRouter = createRouter({
  accounts: accountsRouter,
  idempotency: idempotencyRouter,
  orders: ordersRouter,
  payments: paymentsRouter,
  refunds: refundsRouter,
  transfers: transfersRouter,
});

export type AppRouter = typeof appRouter;
