import type { ObservedRequest, RequestObserver } from "@oncely/api";
import type { Logger } from "pino";

/**
 * One log line per API request, enough to find it again: method, procedure(s), status,
 * outcome, durations, principal id, idempotency key, replayed, the attempt's X-Request-Id.
 * Never the API key (only the principal it resolved to), never a body.
 */
export function logRequest(logger: Logger, request: ObservedRequest): void {
  const failed = request.calls.find((call) => call.code !== null);
  const line = {
    method: request.method,
    procedure: request.calls.map((call) => call.path).join(","),
    status: request.status,
    outcome: request.calls.map((call) => call.outcome).join(","),
    code: failed?.code,
    durationMs: round(request.durationMs),
    handlerMs: request.handlerMs === null ? undefined : round(request.handlerMs),
    principalId: request.principalId,
    idempotencyKey: request.idempotencyKey,
    replayed: request.replayed,
    requestId: request.requestId,
    aborted: request.aborted || undefined,
  };
  if (request.status >= 500) logger.warn(line, "request");
  else logger.info(line, "request");
}

/** Logs and counts every request. */
export function requestObserver(logger: Logger, count: RequestObserver): RequestObserver {
  return (request) => {
    logRequest(logger, request);
    count(request);
  };
}

const round = (ms: number) => Math.round(ms * 100) / 100;
