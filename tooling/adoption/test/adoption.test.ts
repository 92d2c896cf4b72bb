import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { cp, lstat, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type RunningServer, spawnServer } from "../../../apps/server/test/spawnServer";

// A stranger's app (examples/tip-jar: its own package.json, its own table, principals such as
// "user_42") gets @oncely/idempotency and @oncely/sdk the way any team would: packed tarballs,
// `npm install`, no workspace links, no patches. Then it must compile, migrate with the SQL the
// package ships, serve, and keep every promise over HTTP and through the SDK.

const execFileAsync = promisify(execFile);
const REPO = path.resolve(import.meta.dirname, "../../..");
const EXAMPLE = path.join(REPO, "examples", "tip-jar");
const BIN = path.join(import.meta.dirname, "..", "node_modules", ".bin");
const LIBRARIES = { "@oncely/idempotency": "packages/idempotency", "@oncely/sdk": "packages/sdk" } as const;
type Library = keyof typeof LIBRARIES;

// npm must not see the pnpm run that started us (its npm_config_* would reach the install).
const cleanEnv = () => Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(npm_|pnpm_)/i.test(name)));
const run = (file: string, args: string[], cwd: string, env: Record<string, string> = {}) =>
  execFileAsync(file, args, { cwd, env: { ...cleanEnv(), ...env }, maxBuffer: 64 * 1024 * 1024 });

let workDir: string;
let app: string;
const tarballs = {} as Record<Library, string>;
let adminUrl: string;
let database: string;
let sql: postgres.Sql;
let server: ChildProcess;
let base: string;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), "oncely-adoption-"));
  for (const [name, dir] of Object.entries(LIBRARIES) as [Library, string][]) {
    // `pnpm pack` runs the package's prepack (its build) and writes real versions for catalog: ranges.
    await run("pnpm", ["pack", "--pack-destination", workDir], path.join(REPO, dir));
    const prefix = `${name.replace("@", "").replace("/", "-")}-`;
    const file = (await readdir(workDir)).find((f) => f.startsWith(prefix) && f.endsWith(".tgz"));
    if (!file) throw new Error(`pnpm pack wrote no tarball for ${name}`);
    tarballs[name] = path.join(workDir, file);
  }

  app = await installExample("tip-jar");

  adminUrl = inject("oncelyPostgresUrl");
  database = `tip_jar_${randomBytes(6).toString("hex")}`;
  const url = await createDatabase(database);
  await run(process.execPath, ["dist/migrate.js"], app, { DATABASE_URL: url.toString() });
  sql = postgres(url.toString(), { max: 2, onnotice: () => {} });

  server = spawn(process.execPath, ["dist/server.js"], {
    cwd: app,
    env: { ...cleanEnv(), DATABASE_URL: url.toString(), PORT: "0" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    server.stdout?.on("data", (chunk) => {
      out += chunk;
      const match = /listening (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    server.once("exit", (code) => reject(new Error(`the example's server exited (${code})`)));
  });
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  server?.kill("SIGKILL");
  await sql?.end({ timeout: 5 });
  if (database) await dropDatabase(database);
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/** A new database on the run's PostgreSQL (the repo's test setup), and its URL. */
async function createDatabase(name: string): Promise<URL> {
  await adminStatement(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url;
}

const dropDatabase = (name: string) => adminStatement(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);

async function adminStatement(statement: string): Promise<void> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(statement);
  } finally {
    await admin.end({ timeout: 5 });
  }
}

/**
 * Copies examples/<name> out of the workspace, points its @oncely/* dependencies at the
 * tarballs, installs it with npm and builds it with its own TypeScript.
 */
async function installExample(name: string): Promise<string> {
  const dir = path.join(workDir, name);
  await cp(path.join(REPO, "examples", name), dir, {
    recursive: true,
    filter: (src) => !/node_modules|[/\\]dist$/.test(src),
  });
  const manifest = JSON.parse(await readFile(path.join(dir, "package.json"), "utf8"));
  for (const library of Object.keys(LIBRARIES) as Library[]) {
    if (manifest.dependencies[library]) manifest.dependencies[library] = `file:${tarballs[library]}`;
  }
  await writeFile(path.join(dir, "package.json"), JSON.stringify(manifest, null, 2));
  await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], dir);
  await run(path.join(dir, "node_modules", ".bin", "tsc"), ["-p", "."], dir);
  return dir;
}

/** Runs the app's TypeScript with extra files in src/, then removes them: what tsc printed, or "compiled". */
async function compileWith(dir: string, files: Record<string, string>): Promise<string> {
  for (const [file, text] of Object.entries(files)) await writeFile(path.join(dir, "src", file), text);
  try {
    return await run(path.join(dir, "node_modules", ".bin", "tsc"), ["-p", ".", "--noEmit"], dir).then(
      () => "compiled",
      (error: { stdout: string }) => error.stdout,
    );
  } finally {
    for (const file of Object.keys(files)) await rm(path.join(dir, "src", file));
  }
}

const sendTip = async (body: unknown, headers: Record<string, string>) => {
  const response = await fetch(`${base}/sendTip`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: await response.text() };
};
const tipsWith = async (message: string) =>
  (await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM tips WHERE message = ${message}`)[0]?.n;

describe("the published packages", () => {
  it("pass publint and Are the Types Wrong? as packed", async () => {
    for (const tarball of Object.values(tarballs)) {
      await run(path.join(BIN, "publint"), ["run", tarball, "--strict"], workDir);
    }
    // Node 20+ only (no node10 resolution); the SDK is ESM-only (it runs in browsers too).
    await run(path.join(BIN, "attw"), ["--profile", "node16", tarballs["@oncely/idempotency"]], workDir);
    await run(path.join(BIN, "attw"), ["--profile", "esm-only", tarballs["@oncely/sdk"]], workDir);
  });

  it("install as plain npm packages: no workspace links, no Oncely package besides the two, a stock driver", async () => {
    for (const name of Object.keys(LIBRARIES)) {
      const installed = path.join(app, "node_modules", name);
      expect((await lstat(installed)).isSymbolicLink()).toBe(false);
      expect(await readFile(path.join(installed, "package.json"), "utf8")).not.toMatch(/workspace:|catalog:/);
    }
    expect((await readdir(path.join(app, "node_modules", "@oncely"))).sort()).toEqual(["idempotency", "sdk"]);
    const driver = await readFile(path.join(app, "node_modules", "postgres", "src", "index.js"), "utf8");
    expect(driver).not.toContain("Oncely patch");
  });
});

describe('the root README\'s "Add Oncely to your tRPC app"', () => {
  it("shows the example's own code: every ts block is a run of lines of one of its files", async () => {
    const readme = await readFile(path.join(REPO, "README.md"), "utf8");
    const start = readme.indexOf("## Add Oncely to your tRPC app");
    const section = readme.slice(start, readme.indexOf("\n## ", start + 1));
    const steps = section.match(/^\d\. /gm) ?? [];
    expect(steps.length).toBeGreaterThan(0);
    expect(steps.length).toBeLessThanOrEqual(6);
    const blocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => lines(m[1] ?? ""));
    expect(blocks.length).toBeGreaterThan(0);
    const sources = await Promise.all(
      (await readdir(path.join(EXAMPLE, "src"))).map(async (f) =>
        lines(await readFile(path.join(EXAMPLE, "src", f), "utf8")),
      ),
    );
    for (const block of blocks) {
      const found = sources.some((source) => source.some((_, i) => block.every((line, j) => source[i + j] === line)));
      expect(found, `not in examples/tip-jar/src:\n${block.join("\n")}`).toBe(true);
    }
  });
});

/** Non-blank lines, trimmed. */
const lines = (text: string) =>
  text
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);

describe("the stranger's app", () => {
  it("typechecks, and a wrong input type fails to compile on the server and in the client", async () => {
    const wrong = {
      "wrongServer.ts": `import { idempotentProcedure } from "./trpc.js";
import { tips } from "./schema.js";
export const wrong = idempotentProcedure.mutation(({ ctx }) => ctx.tx.insert(tips).values({ userId: 42, amountCents: 1, message: "" }));
`,
      "wrongClient.ts": `import { createOncelyClient } from "@oncely/sdk";
import type { AppRouter } from "./router.js";
const tipJar = createOncelyClient<AppRouter>({ url: "http://127.0.0.1:1" });
export const sent = tipJar.sendTip.mutate({ amountCents: "five", message: "hi" });
`,
    };
    const compiled = await compileWith(app, wrong);
    expect(compiled).toMatch(/wrongServer\.ts\(3,\d+\): error TS2769|wrongServer\.ts\(3,\d+\): error TS2322/);
    expect(compiled).toMatch(/wrongClient\.ts\(4,\d+\): error TS2322/);
  });

  it("replays a retry byte for byte with Idempotent-Replayed, and writes once", async () => {
    const key = randomUUID();
    const message = `replay ${key}`;
    const first = await sendTip({ amountCents: 250, message }, { "x-user-id": "user_42", "idempotency-key": key });
    const retry = await sendTip({ amountCents: 250, message }, { "x-user-id": "user_42", "idempotency-key": key });
    expect(first.status).toBe(200);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    expect(retry.status).toBe(200);
    expect(retry.body).toBe(first.body);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(await tipsWith(message)).toBe(1);
  });

  it("refuses the same key with another body (422) and a mutation without a key (400), writing nothing", async () => {
    const key = randomUUID();
    const message = `changed ${key}`;
    await sendTip({ amountCents: 100, message }, { "x-user-id": "user_42", "idempotency-key": key });
    const changed = await sendTip({ amountCents: 999, message }, { "x-user-id": "user_42", "idempotency-key": key });
    expect(changed.status).toBe(422);
    const keyless = await sendTip({ amountCents: 100, message: `no key ${key}` }, { "x-user-id": "user_42" });
    expect(keyless.status).toBe(400);
    expect(await tipsWith(message)).toBe(1);
    expect(await tipsWith(`no key ${key}`)).toBe(0);
  });

  it("keeps principals apart: another user's same key is another key", async () => {
    const key = randomUUID();
    const mine = await sendTip(
      { amountCents: 100, message: `mine ${key}` },
      { "x-user-id": "user_42", "idempotency-key": key },
    );
    const theirs = await sendTip(
      { amountCents: 100, message: `theirs ${key}` },
      { "x-user-id": "user_7", "idempotency-key": key },
    );
    expect(theirs.status).toBe(200);
    expect(theirs.headers.get("idempotent-replayed")).toBeNull();
    expect(theirs.body).not.toBe(mine.body);
    expect(await sql`SELECT user_id FROM tips WHERE message LIKE ${`% ${key}`} ORDER BY user_id`).toEqual([
      { user_id: "user_42" },
      { user_id: "user_7" },
    ]);
  });

  it("runs concurrent duplicates once: one row, one answer", async () => {
    const key = randomUUID();
    const message = `concurrent ${key}`;
    const answers = await Promise.all(
      Array.from({ length: 12 }, () =>
        sendTip({ amountCents: 300, message }, { "x-user-id": "user_42", "idempotency-key": key }),
      ),
    );
    // Duplicates wait for the first (a short bound), then replay; past the bound they get 409.
    const answered = answers.filter((a) => a.status === 200);
    expect(answered.length).toBeGreaterThan(0);
    expect(answers.every((a) => a.status === 200 || a.status === 409)).toBe(true);
    expect(new Set(answered.map((a) => a.body)).size).toBe(1);
    expect(await tipsWith(message)).toBe(1);
  });

  it("through the SDK, answers dropped after the commit are retried with the same key: one row per call", async () => {
    // A proxy that lets every first attempt reach the app, then drops its answer on the floor.
    const seen = new Set<string>();
    let dropped = 0;
    const proxy = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const upstream = http.request(`${base}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
          const body: Buffer[] = [];
          answer.on("data", (chunk: Buffer) => body.push(chunk));
          answer.on("end", () => {
            const key = String(req.headers["idempotency-key"] ?? "");
            if (req.method === "POST" && key && !seen.has(key)) {
              seen.add(key);
              dropped++;
              res.socket?.destroy(); // the app committed; the client never hears of it
              return;
            }
            res.writeHead(answer.statusCode ?? 502, answer.headers).end(Buffer.concat(body));
          });
        });
        upstream.end(Buffer.concat(chunks));
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    try {
      const messages = [1, 2, 3].map((i) => `sdk ${i} ${randomUUID()}`);
      const { stdout } = await run(process.execPath, ["dist/client.js", ...messages], app, {
        TIP_JAR_URL: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
        TIP_JAR_USER: "user_99",
      });
      const results = JSON.parse(stdout) as { message: string; attempts: number; replayed: boolean }[];
      expect(dropped).toBe(3);
      expect(results.map((r) => r.message)).toEqual(messages);
      for (const result of results) {
        expect(result.attempts).toBeGreaterThanOrEqual(2);
        expect(result.replayed).toBe(true);
      }
      for (const message of messages) expect(await tipsWith(message)).toBe(1);
    } finally {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});

describe("a typed client of a running Oncely API (@oncely/sdk/api)", () => {
  let client: string;
  let api: RunningServer;
  let apiDatabase: string;
  let apiSql: postgres.Sql;

  beforeAll(async () => {
    client = await installExample("api-client");
    apiDatabase = `api_client_${randomBytes(6).toString("hex")}`;
    const url = await createDatabase(apiDatabase);
    // The real API process, built, on a database of its own; demo mode seeds sk_test_alice.
    api = await spawnServer({ DATABASE_URL: url.toString(), ONCELY_DEMO: "1" });
    apiSql = postgres(url.toString(), { max: 1, onnotice: () => {} });
  });

  afterAll(async () => {
    await api?.stop();
    await apiSql?.end({ timeout: 5 });
    if (apiDatabase) {
      const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await admin
        .unsafe(`DROP DATABASE IF EXISTS ${apiDatabase} WITH (FORCE)`)
        .finally(() => admin.end({ timeout: 5 }));
    }
  });

  it("installs with nothing but the SDK and tRPC: no server code, no drizzle, postgres.js or zod", async () => {
    const installed = await readdir(path.join(client, "node_modules"));
    for (const name of ["drizzle-orm", "postgres", "zod"]) expect(installed).not.toContain(name);
    expect(await readdir(path.join(client, "node_modules", "@oncely"))).toEqual(["sdk"]);
  });

  it("typechecks from declarations that need nothing but tRPC, and a wrong input type fails to compile", async () => {
    const dist = path.join(client, "node_modules", "@oncely", "sdk", "dist");
    for (const file of (await readdir(dist)).filter((f) => f.endsWith(".d.ts"))) {
      const text = await readFile(path.join(dist, file), "utf8");
      const imported = [...text.matchAll(/from\s*["']([^"']+)["']/g)].map((m) => m[1] ?? "");
      expect(
        imported.filter((name) => !name.startsWith(".") && !/^@trpc\/|^@tanstack\/|^react$/.test(name)),
        file,
      ).toEqual([]);
    }
    const compiled = await compileWith(client, {
      "wrong.ts": `import { createOncelyApiClient } from "@oncely/sdk/api";
const api = createOncelyApiClient({ url: "http://127.0.0.1:1" });
export const order = api.orders.create.mutate({ accountId: "a", amount: "19.99", currency: "USD" });
`,
    });
    expect(compiled).toMatch(/wrong\.ts\(3,\d+\): error TS2322/);
  });

  it("creates and pays an order against the real apps/server", async () => {
    const { stdout } = await run(process.execPath, ["dist/main.js"], client, {
      ONCELY_URL: api.url,
      ONCELY_API_KEY: "sk_test_alice",
    });
    const result = JSON.parse(stdout) as { orderId: string; paymentId: string; status: string; attempts: number };
    expect(result.status).toBe("succeeded");
    expect(await apiSql`SELECT status FROM orders WHERE id = ${result.orderId}`).toEqual([{ status: "paid" }]);
    expect(await apiSql`SELECT count(*)::int AS n FROM payments WHERE order_id = ${result.orderId}`).toEqual([
      { n: 1 },
    ]);
  });
});
