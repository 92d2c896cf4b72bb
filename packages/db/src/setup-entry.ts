// Process boot only (apps and test harness): never imported by request-handling code.
export { type EmbeddedPostgres, startEmbeddedPostgres } from "./embedded";
export { MIGRATIONS_FOLDER, migrateDatabase } from "./migrate";
export { runAsPostgres } from "./postgresUser";
export { createDatabaseIfMissing, type OpenDatabaseOptions, type OpenedDatabase, openDatabase } from "./setup";
