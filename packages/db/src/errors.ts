/** Stable codes for everything @oncely/db can fail at. */
export type DbErrorCode =
  | "POSTGRES_START_FAILED"
  | "POSTGRES_STOP_FAILED"
  | "POSTGRES_BINARIES_MISSING"
  /** Running as root, the postgres user cannot reach the data directory or the binaries. */
  | "POSTGRES_DIR_UNREACHABLE"
  /** No DATABASE_URL where the embedded PostgreSQL is not allowed (NODE_ENV=production). */
  | "DATABASE_URL_REQUIRED"
  | "MIGRATION_FAILED";

export class DbError extends Error {
  override readonly name = "DbError";
  readonly code: DbErrorCode;

  constructor(code: DbErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
