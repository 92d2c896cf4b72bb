import type { AddressInfo } from "node:net";
import { oncelyResponseMeta } from "@oncely/idempotency";
import { createHTTPServer } from "@trpc/server/adapters/standalone";
import { createDatabase } from "./db.js";
import { appRouter } from "./router.js";

const db = createDatabase(process.env.DATABASE_URL ?? "postgres://localhost/tips");

const server = createHTTPServer({
  router: appRouter,
  createContext: ({ req, info }) => ({
    db,
    principalId: String(req.headers["x-user-id"] ?? "anonymous"), // your auth decides who calls
    headers: new Headers(req.headers as Record<string, string>),
    responseHeaders: new Headers(),
    callsInRequest: info.calls.length,
  }),
  responseMeta: oncelyResponseMeta,
});
server.listen(Number(process.env.PORT ?? 3000), "127.0.0.1", () => {
  console.log(`listening ${(server.address() as AddressInfo).port}`);
});
