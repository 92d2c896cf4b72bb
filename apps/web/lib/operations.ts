// Procedure paths in words, for the key inspector.

const OPERATION_NAMES: Record<string, string> = {
  "orders.create": "Create an order",
  "orders.updateShipping": "Change a shipping address",
  "payments.create": "Pay an order",
  "refunds.create": "Refund a payment",
  "transfers.create": "Transfer money",
};

export function operationName(path: string): string {
  return OPERATION_NAMES[path] ?? path;
}

/**
 * Refusals the server stores under the key (and replays for the key's lifetime): the key
 * inspector can open such a key. Other refusals (bad input, unknown ids) leave no key.
 */
export const STORED_REFUSALS: ReadonlySet<string> = new Set([
  "insufficient_funds",
  "refund_exceeds_payment",
  "order_already_paid",
  "order_cancelled",
  "currency_mismatch",
]);
