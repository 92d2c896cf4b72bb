// `pnpm --filter @oncely/db migrate`: apply pending migrations (DATABASE_URL or embedded).
import { openDatabase } from "../setup";

const opened = await openDatabase();
await opened.close();
