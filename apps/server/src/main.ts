// The API process: `node dist/bin/main.js` (built by tsup), `pnpm dev` for hot reload.
import { configOrExit, parseServerConfig } from "./env";

const config = configOrExit(parseServerConfig);
if (config) {
  // @oncely/api decides demo mode once, when it loads: tell it what the config decided.
  process.env.ONCELY_DEMO = config.demo ? "1" : "0";
  const { runServer } = await import("./run");
  await runServer(config);
}
