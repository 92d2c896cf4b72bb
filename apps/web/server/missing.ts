import { TRPCError } from "@trpc/server";
import { notFound } from "next/navigation";

/** Unknown, someone else's, or not an id at all: the same "not found" to the person. */
function isMissing(error: unknown): boolean {
  return error instanceof TRPCError && (error.code === "NOT_FOUND" || error.code === "BAD_REQUEST");
}

/** A detail page's thing, or the 404 page when it is missing. */
export function orNotFound<T>(call: Promise<T>): Promise<T> {
  return call.catch((error: unknown) => {
    if (isMissing(error)) notFound();
    throw error;
  });
}

/** A list page from a cursor, or null when the cursor leads nowhere (an old link). */
export function orNull<T>(call: Promise<T>): Promise<T | null> {
  return call.catch((error: unknown) => {
    if (isMissing(error)) return null;
    throw error;
  });
}
