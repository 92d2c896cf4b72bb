/** Stable codes for everything @oncely/db can fail at. */
export type DbErrorCode =
  | "POSTGRES_START_FAILED"
  | "POSTGRES_STOP_FAILED"
  | "POSTGRES_BINARIES_MISSING"
  | "MIGRATION_FAILED";

export class DbError extends Error {
  override readonly name = "DbError";
  readonly code: DbErrorCode;

  constructor(code: DbErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
