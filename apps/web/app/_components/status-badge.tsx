import { ORDER_STATUS_LABEL, type OrderDisplayStatus } from "../../lib/orderStatus";

export function OrderStatusBadge({ status }: { status: OrderDisplayStatus }) {
  return <span className={`badge badge-${status}`}>{ORDER_STATUS_LABEL[status]}</span>;
}
