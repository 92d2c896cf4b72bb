import { createOncelyClient, withMeta } from "@oncely/sdk";
import type { AppRouter } from "./router.js";

const tipJar = createOncelyClient<AppRouter>({
  url: process.env.TIP_JAR_URL ?? "http://127.0.0.1:3000",
  headers: () => ({ "x-user-id": process.env.TIP_JAR_USER ?? "user_42" }),
});

// Sends each message given on the command line as one tip, and prints what happened.
const results = [];
for (const message of process.argv.slice(2)) {
  const { data, key, attempts, replayed } = await withMeta((context) =>
    tipJar.sendTip.mutate({ amountCents: 500, message }, { context }),
  );
  results.push({ id: data?.id, message: data?.message, key, attempts, replayed });
}
console.log(JSON.stringify(results));
