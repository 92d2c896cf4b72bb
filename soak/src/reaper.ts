// The soak's reaper: a small process of its own (own session), started first, that outlives
// the soak runner if it has to. The runner tells it, one JSON line at a time on its stdin,
// what it started: process groups (API instances), a PostgreSQL data directory, the run's
// temporary directory. When the runner ends normally it says {"done":true} first and the
// reaper leaves everything alone. When the runner dies any other way (SIGKILL, SIGTERM, a
// crash), its end of the pipe closes without that word, and the reaper SIGKILLs every process
// group it was told about, kills PostgreSQL (the postmaster runs in its own session, under
// pg_ctl, so no signal to the runner's group reaches it), removes the directory, and exits.
import { rmSync } from "node:fs";
import { createInterface } from "node:readline";
import { killPostgresNow } from "./postgresControl";

export type ReaperMessage =
  | { group: number }
  | { ungroup: number }
  | { postgres: string }
  | { directory: string }
  | { done: true };

const groups = new Set<number>();
const dataDirs = new Set<string>();
const directories = new Set<string>();
let done = false;

/** Kills what is left; true if it found anything still running. */
function reapOnce(): boolean {
  let found = false;
  for (const group of groups) {
    try {
      process.kill(-group, "SIGKILL");
      found = true;
    } catch {
      // The group is gone already.
    }
  }
  for (const dataDir of dataDirs) found = killPostgresNow(dataDir) || found;
  return found;
}

/**
 * Kills until six passes in a row, half a second apart, find nothing (at most 30 s): a
 * restart the runner had begun may still bring a process up after the first pass.
 */
async function reap() {
  const deadline = Date.now() + 30_000;
  for (let quiet = 0; quiet < 6 && Date.now() < deadline; ) {
    quiet = reapOnce() ? 0 : quiet + 1;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  for (const directory of directories) rmSync(directory, { recursive: true, force: true, maxRetries: 5 });
}

// Signals meant for the runner's terminal do not reach this session; any that do are ignored:
// leaving early is the one thing the reaper must not do.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => {});

const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  const message = JSON.parse(line) as ReaperMessage;
  if ("group" in message) groups.add(message.group);
  if ("ungroup" in message) groups.delete(message.ungroup);
  if ("postgres" in message) dataDirs.add(message.postgres);
  if ("directory" in message) directories.add(message.directory);
  if ("done" in message) done = true;
});
lines.on("close", () => {
  if (done) process.exit(0);
  void reap().finally(() => process.exit(0));
});
