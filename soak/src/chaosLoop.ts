import { setTimeout as sleep } from "node:timers/promises";
import type { ServerInstance } from "./instances";

export interface ChaosEvent {
  at: number;
  instance: string;
  what: "killed" | "frozen" | "thawed" | "restarted" | "restart-failed";
  detail?: string;
}

export interface ChaosLoopOptions {
  instances: ServerInstance[];
  /** Wait a random time in this range between two faults (ms). */
  killEveryMs: [min: number, max: number];
  /** Share of faults that are a freeze (SIGSTOP) rather than a SIGKILL. Default 0.25. */
  freezeShare?: number;
  /**
   * How long a freeze lasts before the process is thawed or killed (ms). Default 7–10 s: longer
   * than a client's attempt timeout plus the 5 s key-lock bound, so retries meet held locks.
   */
  freezeForMs?: [min: number, max: number];
  /**
   * How busy an instance is (requests in flight). A freeze picks the busiest, so it catches
   * transactions mid-way, holding their key locks. Default: any instance.
   */
  busyness?: (instance: ServerInstance) => number;
  /** Wait a random time in this range before restarting a killed instance (ms). */
  restartAfterMs?: [min: number, max: number];
  random?: () => number;
  onEvent?: (event: ChaosEvent) => void;
  /** While true, no new fault starts (a database fault is under way). */
  paused?: () => boolean;
}

export interface ChaosLoop {
  /** SIGKILLs so far (frozen instances killed at the end of their freeze included). */
  kills: () => number;
  freezes: () => number;
  events: ChaosEvent[];
  /** Stops the faults, waits for pending thaws and restarts, and brings every instance back up. */
  stop: () => Promise<void>;
}

/**
 * Every few seconds, hits a random instance that is up, whatever it is doing:
 * - mostly SIGKILL, then a restart on a new port after a short pause (a crash);
 * - sometimes SIGSTOP for longer than the key-lock bound (a stall): its transactions hold
 *   their locks, duplicates of its requests wait and get 409 + Retry-After; then it is either
 *   thawed (it commits late, to clients that already moved on) or SIGKILLed and restarted
 *   (fenced: its transactions roll back).
 * It never touches the last instance that is up and running, so the fleet keeps serving,
 * degraded, the whole time.
 */
export function startChaosLoop(options: ChaosLoopOptions): ChaosLoop {
  const random = options.random ?? Math.random;
  const freezeShare = options.freezeShare ?? 0.25;
  const events: ChaosEvent[] = [];
  const pending = new Set<Promise<void>>();
  let kills = 0;
  let freezes = 0;
  let stopped = false;
  let wake: (() => void) | undefined;

  const record = (instance: ServerInstance, what: ChaosEvent["what"], detail?: string) => {
    const event = { at: Date.now(), instance: instance.name, what, detail };
    events.push(event);
    options.onEvent?.(event);
  };
  const between = ([min, max]: [number, number]) => min + Math.floor(random() * (max - min));
  const track = (work: Promise<void>) => {
    // Failures are recorded as events; stop() makes a last attempt to bring everything back.
    const tracked = work.catch(() => {}).finally(() => pending.delete(tracked));
    pending.add(tracked);
  };

  const restart = async (instance: ServerInstance) => {
    await sleep(between(options.restartAfterMs ?? [250, 1_500]));
    // A start can fail on a machine under load (or be killed by its timeout): try again.
    for (let attempt = 1; ; attempt++) {
      try {
        await instance.start();
        record(instance, "restarted");
        return;
      } catch (error) {
        record(instance, "restart-failed", String(error).slice(0, 300));
        if (attempt >= 3) throw error;
        await sleep(1_000 * attempt);
      }
    }
  };
  const kill = async (instance: ServerInstance) => {
    await instance.kill();
    kills++;
    record(instance, "killed");
    await restart(instance);
  };
  const freeze = async (instance: ServerInstance) => {
    instance.freeze();
    freezes++;
    record(instance, "frozen");
    await sleep(between(options.freezeForMs ?? [7_000, 10_000]));
    if (random() < 0.5) {
      instance.thaw();
      record(instance, "thawed");
    } else {
      await kill(instance);
    }
  };

  const loop = (async () => {
    while (!stopped) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, between(options.killEveryMs));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      if (stopped) break;
      if (options.paused?.()) continue;
      const running = options.instances.filter((i) => i.state === "up" && !i.frozen);
      if (running.length < 2) continue;
      const anyOne = running[Math.floor(random() * running.length)] as ServerInstance;
      // One stall at a time: two frozen of three would leave one instance doing all the work.
      const someoneFrozen = options.instances.some((i) => i.frozen);
      if (someoneFrozen || random() >= freezeShare) {
        track(kill(anyOne));
        continue;
      }
      const busiest = options.busyness
        ? running.reduce((a, b) => ((options.busyness?.(b) ?? 0) > (options.busyness?.(a) ?? 0) ? b : a), anyOne)
        : anyOne;
      track(freeze(busiest));
    }
  })();

  return {
    kills: () => kills,
    freezes: () => freezes,
    events,
    stop: async () => {
      stopped = true;
      wake?.();
      await loop;
      await Promise.all(pending);
      for (const instance of options.instances) instance.thaw();
      await Promise.all(options.instances.filter((i) => i.state === "down").map((i) => i.start()));
    },
  };
}
