// What a person calls an order's state: its own status, or its payment's once refunds began.

export const ORDER_STATUSES = ["pending", "paid", "partially_refunded", "refunded", "cancelled"] as const;
export type OrderDisplayStatus = (typeof ORDER_STATUSES)[number];

export const ORDER_STATUS_LABEL: Record<OrderDisplayStatus, string> = {
  pending: "Pending",
  paid: "Paid",
  partially_refunded: "Partly refunded",
  refunded: "Refunded",
  cancelled: "Cancelled",
};

export function orderDisplayStatus(
  order: { status: "pending" | "paid" | "cancelled"; amount: number },
  payment: { refundedAmount: number } | null,
): OrderDisplayStatus {
  if (order.status !== "paid" || !payment || payment.refundedAmount === 0) return order.status;
  return payment.refundedAmount >= order.amount ? "refunded" : "partially_refunded";
}
