export { createServerCaller, type ServerCaller } from "./caller";
export {
  CHAOS_HEADER,
  CHAOS_RETRY_AFTER_SECONDS,
  type ChaosSettings,
  chaosAvailable,
  MAX_CHAOS_COUNT,
  MAX_CHAOS_LATENCY_MS,
  NO_CHAOS,
  REQUEST_ID_HEADER,
} from "./chaos";
export { ApiError, type ApiErrorCode, type StoredErrorCode } from "./errors";
export { type ApiHandlerOptions, createFetchHandler, createNodeHandler, MAX_BODY_BYTES } from "./http";
export { checkInvariants, type InvariantName, type InvariantViolation } from "./invariants";
export { postMovement } from "./ledger";
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
export type { LedgerEntryResponse } from "./router/ledger";
