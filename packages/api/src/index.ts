export {
  CHAOS_HEADER,
  CHAOS_RETRY_AFTER_SECONDS,
  type ChaosSettings,
  chaosAvailable,
  MAX_CHAOS_COUNT,
  MAX_CHAOS_LATENCY_MS,
  NO_CHAOS,
  REQUEST_ID_HEADER,
} from "./demo/chaos";
export { checkInvariants, type InvariantName, type InvariantViolation } from "./domain/invariants";
export { MAX_AMOUNT } from "./domain/money";
export { postMovement } from "./domain/movements";
export type {
  AccountResponse,
  OrderResponse,
  PaymentResponse,
  RefundResponse,
  Shipping,
  TransferResponse,
} from "./domain/responses";
export { ApiError, type ApiErrorCode, type StoredErrorCode } from "./errors";
export { createServerCaller, type ServerCaller } from "./http/caller";
export {
  type ApiHandlerOptions,
  createFetchHandler,
  createNodeHandler,
  DEFAULT_MAX_BATCH_SIZE,
  MAX_BODY_BYTES,
  type NodeHandlerOptions,
} from "./http/handlers";
export {
  CALL_OUTCOMES,
  type CallOutcome,
  type ObservedCall,
  type ObservedRequest,
  type RequestObserver,
} from "./http/observe";
export { createDatabaseMailSink, type MailMessage, type MailSink } from "./jobs/mailSink";
export {
  DEFAULT_OUTBOX_BATCH_SIZE,
  type DeliveryCounts,
  deliverDueMessages,
  drainOutbox,
  type OutboxWorkerOptions,
  type RunningOutboxWorker,
  startOutboxWorker,
} from "./jobs/outboxWorker";
export { type AppRouter, appRouter } from "./root";
export type { LedgerEntryResponse } from "./router/ledger";
