export { createServerCaller, type ServerCaller } from "./caller";
export { ApiError, type ApiErrorCode, type StoredErrorCode } from "./errors";
export { type ApiHandlerOptions, createFetchHandler, createNodeHandler, MAX_BODY_BYTES } from "./http";
export { checkInvariants, type InvariantName, type InvariantViolation } from "./invariants";
export { createDatabaseMailSink, type MailMessage, type MailSink } from "./mailSink";
export { MAX_AMOUNT } from "./money";
export {
  type DeliveryOutcome,
  deliverNextMessage,
  drainOutbox,
  type OutboxWorkerOptions,
  type RunningOutboxWorker,
  startOutboxWorker,
} from "./outboxWorker";
export type {
  AccountResponse,
  OrderResponse,
  PaymentResponse,
  RefundResponse,
  Shipping,
  TransferResponse,
} from "./responses";
export { type AppRouter, appRouter } from "./root";
