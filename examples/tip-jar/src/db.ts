import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as schema from "./schema.js";

export function createDatabase(url: string) {
  return drizzle(postgres(url, { max: 10 }), { schema });
}
export type Database = ReturnType<typeof createDatabase>;
