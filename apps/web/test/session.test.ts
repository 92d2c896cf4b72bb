import { describe, expect, it } from "vitest";
import { parseEnv } from "../server/env";
import { type SessionClaim, signSession, verifySession } from "../server/session";

const SECRET = "a".repeat(32);
const OTHER_SECRET = "b".repeat(32);
const inAnHour = Math.floor(Date.now() / 1000) + 3600;
const bob: SessionClaim = { kind: "demo", name: "bob", exp: inAnHour };

const base64url = (text: string) => Buffer.from(text).toString("base64url");

describe("session cookies", () => {
  it("reads back a claim it signed", () => {
    expect(verifySession(signSession(bob, SECRET), SECRET)).toEqual(bob);
    const key: SessionClaim = { kind: "key", sid: "s1", exp: inAnHour };
    expect(verifySession(signSession(key, SECRET), SECRET)).toEqual(key);
  });

  it("refuses a missing cookie and the old unsigned one (a bare principal name)", () => {
    expect(verifySession(undefined, SECRET)).toBeNull();
    expect(verifySession("", SECRET)).toBeNull();
    expect(verifySession("bob", SECRET)).toBeNull();
  });

  it("refuses a forged cookie: a claim signed with another secret, or with no real signature", () => {
    expect(verifySession(signSession(bob, OTHER_SECRET), SECRET)).toBeNull();
    const payload = base64url(JSON.stringify(bob));
    expect(verifySession(`${payload}.`, SECRET)).toBeNull();
    expect(verifySession(`${payload}.${base64url("x".repeat(32))}`, SECRET)).toBeNull();
  });

  it("refuses a tampered cookie: another claim under a genuine signature", () => {
    const [, signature] = signSession({ kind: "demo", name: "alice", exp: inAnHour }, SECRET).split(".");
    expect(verifySession(`${base64url(JSON.stringify(bob))}.${signature}`, SECRET)).toBeNull();
    const genuine = signSession(bob, SECRET);
    expect(verifySession(`${genuine}x`, SECRET)).toBeNull();
    expect(verifySession(`${genuine}.extra`, SECRET)).toBeNull();
  });

  it("refuses an expired claim, and a signed payload that is not a claim", () => {
    const expired = signSession({ ...bob, exp: Math.floor(Date.now() / 1000) - 1 }, SECRET);
    expect(verifySession(expired, SECRET)).toBeNull();
    const payload = base64url(JSON.stringify({ kind: "root", exp: inAnHour }));
    const [, signature] = signSession(bob, SECRET).split(".");
    expect(verifySession(`${payload}.${signature}`, SECRET)).toBeNull();
  });
});

describe("the web app's environment", () => {
  const valid = { ONCELY_SESSION_SECRET: SECRET, DATABASE_URL: "postgres://u@127.0.0.1:5432/db" };

  it("reads demo mode, the secret, the database and the pool size", () => {
    expect(parseEnv(valid)).toEqual({
      demo: false,
      sessionSecret: SECRET,
      databaseUrl: valid.DATABASE_URL,
      dbPoolSize: 10,
    });
    expect(parseEnv({ ...valid, ONCELY_DEMO: "1", DB_POOL_SIZE: "3" })).toMatchObject({ demo: true, dbPoolSize: 3 });
  });

  it("names each bad variable and what is allowed, in one line each", () => {
    expect(() => parseEnv({ DATABASE_URL: valid.DATABASE_URL })).toThrow(
      /ONCELY_SESSION_SECRET must be set: a random secret of at least 32 characters/,
    );
    expect(() => parseEnv({ ...valid, ONCELY_SESSION_SECRET: "short" })).toThrow(
      /ONCELY_SESSION_SECRET must be at least 32 characters long/,
    );
    expect(() => parseEnv({ ...valid, ONCELY_DEMO: "yes" })).toThrow(/ONCELY_DEMO must be "1" \(demo mode\) or "0"/);
    expect(() => parseEnv({ ...valid, DB_POOL_SIZE: "0" })).toThrow(/DB_POOL_SIZE must be at least 1/);
    expect(() => parseEnv({ ...valid, DATABASE_URL: "mysql://x" })).toThrow(/DATABASE_URL must be a postgres:\/\/ URL/);
  });
});
