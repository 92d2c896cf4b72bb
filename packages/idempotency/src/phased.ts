import { createHash, randomUUID } from "node:crypto";
import { initTRPC } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import type { Executor, OncelyDatabase, SchemalessDatabase, TransactionOf } from "./database";
import { canonicalJson, fingerprintedInput, fingerprintRequest } from "./fingerprint";
import type { IdempotencyContext } from "./middleware";
import { type EnginePoint, type EnginePointInfo, type IdempotencyOptions, resolveOptions } from "./options";
import {
  claimPhasedKey,
  completePhasedKey,
  holdLease,
  type Lease,
  recordPhase,
  releaseLease,
  restartExpiredKey,
  takeOverLease,
} from "./phasedStore";
import {
  assertMutation,
  inProgress,
  keyInBatch,
  keyReused,
  missingKey,
  readKeyHeader,
  translateFailure,
} from "./refusals";
import { findCompletedKey, findKey, type KeyRef, sqlNow } from "./store";
import { replayStored, serializeData, serializeError, storableError, storedResponseOf } from "./storedAnswer";

export const DEFAULT_LEASE_SECONDS = 30;

export interface PhasedOptions
  extends Omit<
    IdempotencyOptions,
    "key" | "fastPath" | "lockTimeoutMs" | "maxWaitersPerKey" | "maxWaitersPerPrincipal"
  > {
  /** How long a worker holds a key between phases before a retry or the resumer may take over. Default 30 s. */
  leaseSeconds?: number;
}

/** Lost the key's lease to another worker (this one was paused longer than the lease). */
class LeaseLostError extends Error {
  override readonly name = "LeaseLostError";
}

/**
 * What a phased handler gets as `ctx.phases`. Each phase runs once per key: after a crash,
 * a retry (or the resumer) runs the handler again from the top, and phases that already
 * finished return their recorded result instead of running. Results must be plain JSON.
 */
export class PhaseRunner<TDb extends OncelyDatabase = SchemalessDatabase> {
  constructor(
    private readonly db: TDb,
    private readonly ref: KeyRef,
    private readonly lease: Lease,
    private readonly finished: Record<string, unknown>,
    private readonly point: (at: EnginePoint, phase: string) => Promise<void>,
  ) {}

  /** The last phase that finished (the key's recovery point). */
  get recoveryPoint(): string {
    return Object.keys(this.finished).at(-1) ?? "started";
  }

  /**
   * A phase of database writes: `fn`'s writes and the recovery point commit in one
   * transaction, while the key row is locked and our lease checked.
   */
  async atomic<T>(name: string, fn: (tx: TransactionOf<TDb>) => Promise<T>): Promise<T> {
    if (name in this.finished) return this.finished[name] as T;
    const value: T = await this.db.transaction(async (tx: TransactionOf<TDb>) => {
      if (!(await holdLease(tx as Executor, { ...this.ref, ...this.lease }))) throw new LeaseLostError();
      const result = await fn(tx);
      const phaseState = canonicalJson({ ...this.finished, [name]: result ?? null });
      await recordPhase(tx as Executor, { ...this.ref, ...this.lease, phase: name, phaseState });
      return result;
    });
    this.finished[name] = value ?? null;
    await this.point("phase-done", name);
    return value;
  }

  /**
   * A call to the outside world (a card processor, an email API). `fn` gets a key derived
   * from the client's, the same on every attempt of this phase, to pass on as the outside
   * service's own idempotency key: if we crash after the call but before recording it, the
   * repeated call is deduplicated there.
   */
  async external<T>(name: string, fn: (derivedKey: string) => Promise<T>): Promise<T> {
    if (name in this.finished) return this.finished[name] as T;
    if (!(await holdLease(this.db, { ...this.ref, ...this.lease }))) throw new LeaseLostError();
    const value = await fn(deriveKey(this.ref, name));
    await this.point("phase-called", name);
    const phaseState = canonicalJson({ ...this.finished, [name]: value ?? null });
    if (!(await recordPhase(this.db, { ...this.ref, ...this.lease, phase: name, phaseState }))) {
      throw new LeaseLostError();
    }
    this.finished[name] = value ?? null;
    await this.point("phase-done", name);
    return value;
  }
}

/** A key for an outside service, derived from the client's key and the phase: stable, opaque. */
export function deriveKey(ref: KeyRef, phase: string): string {
  const digest = createHash("sha256").update(`${ref.principalId}\n${ref.key}\n${phase}`).digest("hex");
  return `oncely_${digest.slice(0, 40)}`;
}

/**
 * Phased mode, for procedures with effects outside the database (brandur's "recovery
 * points"): the key row is claimed in its own transaction with a lease; each phase commits
 * with its recovery point; the final answer is stored at the end. A crash between phases
 * leaves the key in progress; when the lease runs out, a retry or `resumeAbandonedKeys`
 * runs the handler again and finished phases are skipped.
 *
 *   authedProcedure.input(schema).concat(idempotentPhased()).mutation(async ({ ctx, input }) => {
 *     const order = await ctx.phases.atomic("reserve", (tx) => insertOrder(tx, input));
 *     const charge = await ctx.phases.external("charge", (key) => processor.charge(order, key));
 *     return ctx.phases.atomic("record", (tx) => markPaid(tx, order, charge));
 *   })
 */
export function idempotentPhased<TDb extends OncelyDatabase = SchemalessDatabase>(options: PhasedOptions = {}) {
  const settings = resolveOptions(options);
  const leaseSeconds = options.leaseSeconds ?? DEFAULT_LEASE_SECONDS;
  const t = initTRPC.context<IdempotencyContext<TDb>>().create();

  return t.procedure.use(async ({ ctx, path, input: parsedInput, getRawInput, type, next }) => {
    assertMutation("idempotentPhased()", type, path);
    const key = readKeyHeader(ctx.headers);
    if (key === null) throw missingKey(path);
    if ((ctx.callsInRequest ?? 1) > 1) throw keyInBatch();

    const sql: Executor = ctx.db;
    const ref: KeyRef = { principalId: ctx.principalId, key };
    const input = await fingerprintedInput(parsedInput, getRawInput);
    const fingerprint = fingerprintRequest(path, input);
    const now = sqlNow(settings.clock);
    const lease: Lease = { leaseId: randomUUID(), leaseSeconds, now };
    const info: EnginePointInfo = { path, key, principalId: ctx.principalId, context: ctx };
    const point = async (at: EnginePoint, phase?: string) => settings.onPoint?.(at, { ...info, phase });

    try {
      const replayRequest = { key, fingerprint, responseHeaders: ctx.responseHeaders };
      const completed = await findCompletedKey(sql, ref, now);
      if (completed) return replayStored(completed, replayRequest);

      const claim = {
        ...ref,
        ...lease,
        requestPath: path,
        fingerprint,
        requestBody: canonicalJson(input),
        ttlSeconds: settings.ttlSeconds,
      };
      let finished: Record<string, unknown> = {};
      if (!(await claimPhasedKey(sql, claim))) {
        const row = await findKey(sql, ref, now);
        const stored = row && storedResponseOf(row);
        if (row?.expired && (await restartExpiredKey(sql, claim))) {
          // An expired key counts as new.
        } else if (stored) {
          // Completed between the fast path and the claim.
          return replayStored(stored, replayRequest);
        } else if (row && row.fingerprint !== fingerprint) {
          throw keyReused(key, row.requestPath);
        } else {
          const state = await takeOverLease(sql, { ...ref, ...lease, fingerprint });
          if (state === null) throw inProgress(key, settings.retryAfterSeconds, ctx.responseHeaders);
          finished = JSON.parse(state) as Record<string, unknown>;
        }
      }
      await point("claimed");

      const phases = new PhaseRunner<TDb>(ctx.db, ref, lease, finished, point);
      const complete = async (responseStatus: number, responseBody: string) => {
        const stored = await completePhasedKey(sql, {
          ...ref,
          leaseId: lease.leaseId,
          responseStatus,
          responseBody,
          recoveryPoint: phases.recoveryPoint,
        });
        // Lost the lease at the very end: the other worker's answer is the one that counts.
        if (!stored) throw inProgress(key, settings.retryAfterSeconds, ctx.responseHeaders);
        await point("committed");
      };

      const result = await next({ ctx: { phases, idempotencyKey: key } });
      if (result.ok) {
        await complete(200, serializeData(result.data));
        return result;
      }
      const error = storableError(result.error, settings.storableCodes);
      if (error) {
        await complete(getHTTPStatusCodeFromError(error), serializeError(error));
        throw error;
      }
      // Unexpected: keep the finished phases and let go of the lease, so a retry resumes at once.
      await releaseLease(sql, { ...ref, leaseId: lease.leaseId });
      if (result.error.cause instanceof LeaseLostError)
        throw inProgress(key, settings.retryAfterSeconds, ctx.responseHeaders);
      throw result.error;
    } catch (error) {
      throw translateFailure(error, key, settings.retryAfterSeconds, ctx.responseHeaders);
    }
  });
}
