import { httpStatusOf, isOncelyError, serverCodeOf } from "@oncely/sdk";
import { formatMoney, MAX_AMOUNT_MINOR } from "./money";

// Errors in words a person understands. The API's messages are written for developers (ids,
// minor units); these say what happened and what to do. Forms add specifics they know
// (balances, what is left to refund) for the codes they expect.

const SENTENCES: Record<string, string> = {
  insufficient_funds: "There is not enough money in the account for this. Nothing was moved.",
  refund_exceeds_payment: "That is more than is left to refund on this payment. Nothing was refunded.",
  order_already_paid: "This order is already paid.",
  order_cancelled: "This order is cancelled, so it cannot be changed or paid.",
  version_mismatch: "This order was changed somewhere else while you were editing it. Nothing was saved.",
  currency_mismatch: "The accounts hold a different currency than this amount.",
  account_not_found: "That account does not exist (or is not yours).",
  order_not_found: "That order does not exist (or is not yours).",
  payment_not_found: "That payment does not exist (or is not yours).",
  account_not_chargeable: "Orders can only charge customer accounts.",
  merchant_account_missing: "There is no merchant account in this currency to receive the money.",
  idempotency_key_reused:
    "This operation's key was already used for a different request. Reload the page and try again.",
  idempotency_key_in_progress: "The same request is still being processed. Wait a moment and try again.",
  transient_failure: "A temporary database problem stopped this request. Nothing was saved; try again.",
  unauthenticated: "You are signed out (the session ended or is not valid). Sign in again, then send it again.",
  forbidden: "This request came from another site, so it was refused. Nothing was done.",
  chaos_unavailable: "The chaos panel is only available in demo mode.",
};

/** One sentence for an error a call ended with. */
export function describeError(error: unknown): string {
  const code = serverCodeOf(error);
  if (code && SENTENCES[code]) return SENTENCES[code];
  const issues = issuesOf(error);
  if (issues.length > 0) return `Please check the form: ${issues.map((i) => i.text).join("; ")}.`;
  if (isOncelyError(error)) {
    switch (error.code) {
      case "network_error":
        return `No answer from the server after ${attemptsText(error.attempts)}. Nothing is lost: send it again and the same key makes sure it happens at most once.`;
      case "timeout":
        return `The server took too long to answer (${attemptsText(error.attempts)}). Send it again: the same key makes sure it happens at most once.`;
      case "retry_budget_exhausted":
        return "Too many requests failed recently, so the app stopped retrying to spare the server. Try again in a moment.";
      case "aborted":
        return "The request was stopped. Send it again to finish it.";
      case "invalid_idempotency_key":
        return "The operation's key is not valid. Reload the page and try again.";
      case "server_error":
        if (error.retryable) {
          return `The server kept failing (${attemptsText(error.attempts)}). Nothing is lost: send it again with the same key.`;
        }
    }
  }
  const status = httpStatusOf(error);
  if (status && status >= 500) return "Something went wrong on the server. Nothing was saved; try again.";
  return error instanceof Error && error.message ? error.message : "Something went wrong.";
}

/** Why one attempt failed, for the retry timeline ("no answer: the connection dropped"). */
export function describeAttemptFailure(error: unknown): string {
  const status = httpStatusOf(error);
  const code = serverCodeOf(error);
  if (status === undefined) {
    const cause = error instanceof Error ? (error.cause as { name?: string } | undefined) : undefined;
    if (cause?.name === "TimeoutError") return "no answer in time (the attempt timed out)";
    return "no answer (the connection dropped)";
  }
  if (code === "chaos_failed_before_commit") return "503: the server failed before saving; nothing was saved";
  if (code === "chaos_response_dropped") return "504: the answer was lost after the work was saved";
  if (code === "idempotency_key_in_progress") return "409: the first attempt is still running";
  if (code === "transient_failure") return "503: a temporary database problem; nothing was saved";
  if (status === 429) return "429: too many requests";
  if (status === 502 || status === 504) return `${status}: the answer was lost on the way`;
  if (status === 503) return "503: the server is unavailable for a moment";
  if (status >= 500) return `${status}: the server failed; nothing was saved`;
  // A refusal about the request itself (422 refund_exceeds_payment): the message says more.
  return code ? `${status}: ${code.replaceAll("_", " ")}` : `${status}: refused`;
}

function attemptsText(attempts: number): string {
  return attempts === 1 ? "1 attempt" : `${attempts} attempts`;
}

interface Issue {
  /** The input field, e.g. "amount" or "shipping.country". */
  path: string;
  /** What is wrong, in words. */
  text: string;
}

/** The server's input issues, in words a person understands. */
function issuesOf(error: unknown): Issue[] {
  const data = (error as { data?: { issues?: { path?: string; message: string }[] } } | null)?.data;
  if (!Array.isArray(data?.issues)) return [];
  return data.issues.map(({ path = "", message }) => ({ path, text: issueText(path, message) }));
}

function issueText(path: string, message: string): string {
  const field = path.split(".").at(-1) ?? "";
  if (field === "amount" && /at most/.test(message)) {
    return `the amount must be at most ${formatMoney(MAX_AMOUNT_MINOR, "USD")}`;
  }
  if (field === "amount") return "the amount must be a positive amount of money";
  if (field === "country") return "the country must be two letters, e.g. US or DE";
  return message;
}

/** The server's input issues by field (the last part of the path), to show each under its field. */
export function fieldErrors(error: unknown): Record<string, string> {
  return Object.fromEntries(issuesOf(error).map((issue) => [issue.path.split(".").at(-1) ?? "", issue.text]));
}

/**
 * A form's error, said once: the issues about fields the form shows go under those fields,
 * and the line under the form only points at them; anything else is said in that line.
 */
export function formError(
  error: unknown,
  visibleFields: readonly string[],
): { fields: Record<string, string>; message: string } {
  const all = fieldErrors(error);
  const fields = Object.fromEntries(Object.entries(all).filter(([field]) => visibleFields.includes(field)));
  const shown = Object.keys(fields).length;
  if (shown > 0 && shown === Object.keys(all).length) {
    return { fields, message: "Check the marked field. Nothing was saved." };
  }
  return { fields, message: describeError(error) };
}
