import { createServerCaller, type ServerCaller } from "@oncely/api";
import { getDb } from "../server/db";

let callerFor: ((headers: Headers) => ServerCaller) | undefined;

/**
 * In-process tRPC caller for React Server Components: same auth, validation and middleware
 * as HTTP, no network hop. Acts as the session's principal (`Bearer <its api key>`).
 */
export function serverCaller(authorization: string): ServerCaller {
  callerFor ??= createServerCaller({ db: getDb() });
  return callerFor(new Headers({ authorization }));
}
