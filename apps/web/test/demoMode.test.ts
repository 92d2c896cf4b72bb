import { describe, expect, it } from "vitest";
import { demoModeFrom } from "../server/demoMode";

describe("the web app's demo mode", () => {
  it("is on by default only with the embedded database, outside production", () => {
    expect(demoModeFrom({})).toBe(true); // `pnpm start` on a fresh machine: the README's demo
    expect(demoModeFrom({ DATABASE_URL: "postgres://db/app" })).toBe(false);
    expect(demoModeFrom({ NODE_ENV: "production" })).toBe(false);
  });

  it("follows ONCELY_DEMO when it is set", () => {
    expect(demoModeFrom({ DATABASE_URL: "postgres://db/app", ONCELY_DEMO: "1" })).toBe(true);
    expect(demoModeFrom({ NODE_ENV: "production", ONCELY_DEMO: "1" })).toBe(true);
    expect(demoModeFrom({ ONCELY_DEMO: "0" })).toBe(false);
  });
});
