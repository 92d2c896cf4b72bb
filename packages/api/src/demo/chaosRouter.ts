import { z } from "zod";
import { authedProcedure, createRouter } from "../trpc";
import {
  chaosAvailable,
  chaosSettings,
  chaosUnavailable,
  MAX_CHAOS_COUNT,
  MAX_CHAOS_LATENCY_MS,
  setChaosSettings,
} from "./chaos";

const count = (field: string) =>
  z
    .number({ error: `${field} must be a number of requests` })
    .int({ error: `${field} must be a whole number` })
    .min(0, { error: `${field} must be 0 or more` })
    .max(MAX_CHAOS_COUNT, { error: `${field} must be at most ${MAX_CHAOS_COUNT}` });

const chaosSettingsInput = z.strictObject({
  failBeforeCommit: count("failBeforeCommit"),
  dropResponses: count("dropResponses"),
  latencyMs: z
    .number({ error: "latencyMs must be a number of milliseconds" })
    .int({ error: "latencyMs must be a whole number" })
    .min(0, { error: "latencyMs must be 0 or more" })
    .max(MAX_CHAOS_LATENCY_MS, { error: `latencyMs must be at most ${MAX_CHAOS_LATENCY_MS}` }),
});

/** The demo's chaos panel (src/chaos.ts): 404 unless the process runs with ONCELY_DEMO=1. */
export const chaosRouter = createRouter({
  /** The principal's faults still to come. */
  get: authedProcedure.query(({ ctx }) => {
    if (!chaosAvailable()) throw chaosUnavailable();
    return chaosSettings(ctx.principalId);
  }),

  /** Replaces the principal's faults (all zero turns chaos off). */
  set: authedProcedure.input(chaosSettingsInput).mutation(({ ctx, input }) => {
    if (!chaosAvailable()) throw chaosUnavailable();
    return setChaosSettings(ctx.principalId, input);
  }),
});
