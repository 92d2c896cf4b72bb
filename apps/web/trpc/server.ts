import { createServerCaller, type ServerCaller } from "@oncely/api";
import { getDb } from "../server/db";
import { authorizationFor, type DemoPrincipal } from "../server/session";

let callerFor: ((headers: Headers) => ServerCaller) | undefined;

/**
 * In-process tRPC caller for React Server Components: same auth, validation and middleware
 * as HTTP, no network hop. Acts as `principal` (resolved from the session cookie).
 */
export function serverCaller(principal: DemoPrincipal): ServerCaller {
  callerFor ??= createServerCaller({ db: getDb() });
  return callerFor(new Headers({ authorization: authorizationFor(principal) }));
}
