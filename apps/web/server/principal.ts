import { cookies } from "next/headers";
import { serverCaller } from "../trpc/server";
import { type DemoPrincipal, principalForSession, SESSION_COOKIE } from "./session";

/** The request's demo principal (from the session cookie) and a server-side caller acting as it. */
export async function currentSession(): Promise<{ principal: DemoPrincipal; caller: ReturnType<typeof serverCaller> }> {
  const principal = principalForSession((await cookies()).get(SESSION_COOKIE)?.value);
  return { principal, caller: serverCaller(principal) };
}
