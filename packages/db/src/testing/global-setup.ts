import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../embedded";
import { migrateDatabase } from "../migrate";
import { createDatabaseIfMissing } from "../setup";
import { TEMPLATE_DATABASE } from "./constants";

interface SharedCluster {
  url: Promise<string>;
  users: number;
  stop: () => Promise<void>;
}

// Vitest calls global setup once per project; the run still gets ONE cluster.
const shared = globalThis as { __oncelyTestCluster?: SharedCluster };

/**
 * Vitest global setup: one embedded PostgreSQL per test run (durability off: it is
 * throwaway), holding a migrated template database that each test file copies.
 * With DATABASE_URL set, that server is used instead (it must allow CREATE DATABASE).
 */
export default async function setup(project: TestProject) {
  shared.__oncelyTestCluster ??= startCluster();
  const cluster = shared.__oncelyTestCluster;
  cluster.users++;
  project.provide("oncelyPostgresUrl", await cluster.url);
  return async () => {
    if (--cluster.users === 0) {
      shared.__oncelyTestCluster = undefined;
      await cluster.stop();
    }
  };
}

function startCluster(): SharedCluster {
  let stop = async () => {};
  const url = (async () => {
    let adminUrl = process.env.DATABASE_URL;
    if (!adminUrl) {
      const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "oncely-test-pg-"));
      const embedded = await startEmbeddedPostgres({
        dataDir,
        settings: { fsync: "off", synchronous_commit: "off", full_page_writes: "off", max_connections: 500 },
      });
      stop = async () => {
        await embedded.stop();
        await fs.rm(dataDir, { recursive: true, force: true });
      };
      adminUrl = embedded.url;
    }
    await prepareTemplate(adminUrl);
    return adminUrl;
  })();
  return { url, users: 0, stop: () => stop() };
}

async function prepareTemplate(adminUrl: string): Promise<void> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE} WITH (FORCE)`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  await createDatabaseIfMissing(adminUrl, TEMPLATE_DATABASE);
  const templateUrl = new URL(adminUrl);
  templateUrl.pathname = `/${TEMPLATE_DATABASE}`;
  await migrateDatabase(templateUrl.toString());
}
