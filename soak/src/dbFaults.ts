import { setTimeout as sleep } from "node:timers/promises";
import type { ServerInstance } from "./instances";
import type { PostgresControl } from "./postgresControl";
import type { TcpFaultProxy } from "./tcpFaultProxy";

export type DbFaultKind = "reset" | "kill-9" | "restart-fast" | "blackhole";

/** The order the faults come in, round after round. */
export const DB_FAULT_CYCLE: DbFaultKind[] = ["reset", "kill-9", "restart-fast", "blackhole"];

export interface DbFault {
  kind: DbFaultKind;
  startedAt: number;
  /** When the database could be reached again (PostgreSQL accepting connections, the network healed). */
  backAt?: number;
  detail?: string;
}

/** How long PostgreSQL stays dead after its kill -9 before it is started again (ms). */
const DOWN_FOR_MS: [min: number, max: number] = [500, 1_500];
/** Calm between two faults, for traffic and the instance chaos (ms). */
const CALM_MS: [min: number, max: number] = [1_500, 3_000];
/** Longest wait for the recovery after a fault (ms); the report's check names it. */
export const MAX_RECOVERY_MS = 30_000;
/** Longest wait for every instance to be up and thawed before a fault (ms); then the loop gives up. */
const MAX_READY_WAIT_MS = 60_000;

export interface DbFaultLoopOptions {
  control: PostgresControl;
  proxy: TcpFaultProxy;
  instances: ServerInstance[];
  /** Stop starting faults this long after the start (ms); a started round of DB_FAULT_CYCLE always ends. */
  durationMs: number;
  /** How long a blackhole lasts (ms): longer than the statement and lock timeouts. */
  blackholeMs: number;
  /** Whether every instance serves again: the recovery after a fault ends when it does. */
  recovered: (fault: DbFault) => boolean;
  onEvent?: (fault: DbFault, what: string) => void;
}

export interface DbFaultLoop {
  faults: DbFault[];
  /** A fault, or the recovery after it, is under way (the instance chaos waits meanwhile). */
  active: () => boolean;
  /** Stops after the current round of DB_FAULT_CYCLE; resolves when the database is back. */
  stop: () => Promise<void>;
}

/**
 * Takes the database away, one fault at a time, in DB_FAULT_CYCLE order, with calm between:
 * - reset: every connection between the instances and PostgreSQL gets a RST;
 * - kill-9: the postmaster is SIGKILLed mid-traffic (no shutdown checkpoint), stays dead a
 *   moment, then starts again and runs crash recovery from the WAL;
 * - restart-fast: `pg_ctl restart -m fast` with requests in flight (sessions terminated, 57P01);
 * - blackhole: the network between them drops everything, no RST, for `blackholeMs`, then heals.
 * Each fault waits until every instance is up and none is frozen, so the instance chaos and the
 * database faults never overlap and each answer can be blamed on one of them. At least one full
 * round runs, however short the duration: bounded by the round, never by luck.
 */
export function startDbFaultLoop(options: DbFaultLoopOptions): DbFaultLoop {
  const faults: DbFault[] = [];
  const started = Date.now();
  let busy = false;
  let stopping = false;
  const between = ([min, max]: [number, number]) => min + Math.floor(Math.random() * (max - min));
  const event = (fault: DbFault, what: string) => options.onEvent?.(fault, what);

  const inject = async (fault: DbFault) => {
    switch (fault.kind) {
      case "reset": {
        const count = options.proxy.resetAll();
        fault.detail = `${count} connections reset`;
        break;
      }
      case "kill-9": {
        const { pid, stragglers } = await options.control.killHard();
        const downFor = between(DOWN_FOR_MS);
        await sleep(downFor);
        const recovering = Date.now();
        await options.control.start();
        fault.detail = `postmaster ${pid} killed${stragglers ? ` (${stragglers} backends killed after it)` : ""}, down ${downFor} ms, crash recovery and start ${Date.now() - recovering} ms`;
        break;
      }
      case "restart-fast": {
        const began = Date.now();
        await options.control.restartFast();
        fault.detail = `pg_ctl restart -m fast took ${Date.now() - began} ms`;
        break;
      }
      case "blackhole": {
        options.proxy.blackhole();
        await sleep(options.blackholeMs);
        options.proxy.heal();
        fault.detail = `silent for ${options.blackholeMs} ms, then healed`;
        break;
      }
    }
    fault.backAt = Date.now();
  };

  const ready = () => options.instances.every((i) => i.state === "up" && !i.frozen);

  const loop = (async () => {
    await sleep(between(CALM_MS));
    for (let n = 0; ; n++) {
      const kind = DB_FAULT_CYCLE[n % DB_FAULT_CYCLE.length] as DbFaultKind;
      // A new round only while there is time; a round once begun is finished.
      if (kind === DB_FAULT_CYCLE[0] && (stopping || Date.now() - started >= options.durationMs)) break;
      // From here the instance chaos holds off, so every instance can come up and thaw.
      busy = true;
      try {
        const readyBy = Date.now() + MAX_READY_WAIT_MS;
        while (!ready() && Date.now() < readyBy) await sleep(100);
        if (!ready()) {
          throw new Error(
            `the instances were not all up for the next database fault within ${MAX_READY_WAIT_MS / 1000} s`,
          );
        }
        const fault: DbFault = { kind, startedAt: Date.now() };
        faults.push(fault);
        event(fault, "started");
        await inject(fault);
        event(fault, "database back");
        const deadline = Date.now() + MAX_RECOVERY_MS;
        while (!options.recovered(fault) && Date.now() < deadline) await sleep(100);
        event(fault, options.recovered(fault) ? "every instance serves again" : "recovery wait ran out");
      } finally {
        busy = false;
      }
      await sleep(between(CALM_MS));
    }
  })();

  // A fault that could not be undone (PostgreSQL would not start again) fails the run at stop().
  loop.catch(() => {});
  return {
    faults,
    active: () => busy,
    stop: async () => {
      stopping = true;
      await loop;
    },
  };
}
