// `pnpm --filter @oncely/sdk generate:api`: writes src/api/appRouter.ts from packages/api.
// test/apiTypes.test.ts fails when the committed file is not what this writes.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { renderApiTypes } from "./apiTypes";

const target = path.join(import.meta.dirname, "..", "src", "api", "appRouter.ts");
await writeFile(target, renderApiTypes());
console.log(`wrote ${path.relative(process.cwd(), target)}`);
