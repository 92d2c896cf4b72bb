export { createServerCaller, type ServerCaller } from "./caller";
export { ApiError, type ApiErrorCode } from "./errors";
export { type ApiHandlerOptions, createFetchHandler, createNodeHandler, MAX_BODY_BYTES } from "./http";
export { MAX_AMOUNT } from "./money";
export type { AccountResponse, OrderResponse } from "./responses";
export { type AppRouter, appRouter } from "./root";
