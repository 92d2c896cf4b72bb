import { chaosRouter } from "./demo/chaosRouter";
import { accountsRouter } from "./router/accounts";
import { idempotencyRouter } from "./router/idempotency";
import { ledgerRouter } from "./router/ledger";
import { ordersRouter } from "./router/orders";
import { paymentsRouter } from "./router/payments";
import { refundsRouter } from "./router/refunds";
import { transfersRouter } from "./router/transfers";
import { createRouter } from "./trpc";

export const appRouter = createRouter({
  accounts: accountsRouter,
  chaos: chaosRouter,
  idempotency: idempotencyRouter,
  ledger: ledgerRouter,
  orders: ordersRouter,
  payments: paymentsRouter,
  refunds: refundsRouter,
  transfers: transfersRouter,
});

export type AppRouter = typeof appRouter;
