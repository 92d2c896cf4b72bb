"use server";

import { cookies } from "next/headers";
import { SESSION_COOKIE, SESSION_NAMES } from "../server/session";

const SESSION_MAX_AGE_SECONDS = 7 * 24 * 60 * 60;

/** Demo sign-in: remember which demo principal this browser acts as (httpOnly cookie). */
export async function signIn(formData: FormData): Promise<void> {
  const name = formData.get("principal");
  if (typeof name !== "string" || !SESSION_NAMES.includes(name)) {
    throw new Error(`Unknown demo principal; pick one of ${SESSION_NAMES.join(", ")}`);
  }
  (await cookies()).set(SESSION_COOKIE, name, {
    httpOnly: true,
    sameSite: "lax",
    path: "/",
    maxAge: SESSION_MAX_AGE_SECONDS,
  });
}
