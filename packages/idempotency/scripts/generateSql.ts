// `pnpm --filter @oncely/idempotency generate:sql`: writes sql/0000_oncely_idempotency_keys.sql
// from the Drizzle definition in src/schema.ts (drizzle-kit's own statements, made safe to
// apply twice). test/sql.test.ts fails when the committed file is not what this writes.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { renderSqlFile, SQL_FILE } from "./sqlFile";

const target = path.join(import.meta.dirname, "..", "sql", SQL_FILE);
await writeFile(target, await renderSqlFile());
console.log(`wrote ${path.relative(process.cwd(), target)}`);
