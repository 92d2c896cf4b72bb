import { withMeta } from "@oncely/sdk";
import { createOncelyApiClient, type OncelyApiOutputs } from "@oncely/sdk/api";

// Calls a running Oncely API (apps/server) the way a team calls Stripe with stripe-node.
const api = createOncelyApiClient({
  url: process.env.ONCELY_URL ?? "http://localhost:4000/trpc",
  apiKey: process.env.ONCELY_API_KEY ?? "sk_test_alice",
});

const accounts = await api.accounts.list.query();
const accountId = accounts.find((account) => account.kind === "customer")?.id ?? "";
const id = (await api.orders.create.mutate({ accountId, amount: 1999, currency: "USD" })).id;

const paid = await withMeta((context) => api.payments.create.mutate({ orderId: id }, { context }));
const payment: OncelyApiOutputs["payments"]["create"] = paid.data;
console.log(JSON.stringify({ orderId: id, paymentId: payment.id, status: payment.status, attempts: paid.attempts }));
