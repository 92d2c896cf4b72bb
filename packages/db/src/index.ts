// The drizzle helpers other packages need, so they do not depend on drizzle-orm directly.
export { and, asc, desc, eq, gt, gte, inArray, lt, lte, or, type SQL, sql } from "drizzle-orm";
export {
  createDbClient,
  type Database,
  type DbClient,
  type DbClientOptions,
  type Queryable,
  type Transaction,
} from "./client";
export { DbError, type DbErrorCode } from "./errors";
export * as schema from "./schema";
export { DEMO_PRINCIPALS, hashApiKey, seedDemo } from "./seed";
