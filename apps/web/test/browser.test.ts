import { existsSync } from "node:fs";
import { seedDemo } from "@oncely/db";
import { createTestDatabase, type TestDatabase } from "@oncely/db/testing";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningWeb, startBuiltWeb } from "./nextServer";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const SCREENSHOT = "/tmp/oncely-web.png";

let database: TestDatabase;
let web: RunningWeb;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's browser with \`apt-get install -y chromium\``);
  }
  database = await createTestDatabase();
  await seedDemo(database.db);
  web = await startBuiltWeb(database.url);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
});

afterAll(async () => {
  await browser?.close();
  await web?.stop();
  await database?.drop();
});

async function ordersWith(description: string) {
  return database.sql<{ amount: number; account: string; principal: string }[]>`
    SELECT o.amount::int AS amount, a.name AS account, p.name AS principal
    FROM orders o JOIN accounts a ON a.id = o.account_id JOIN principals p ON p.id = o.principal_id
    WHERE o.description = ${description}`;
}

async function openPage(): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("response", (response) => {
    if (response.status() >= 400) errors.push(`${response.status()} ${response.url()}`);
  });
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  await page.goto(web.origin, { waitUntil: "networkidle" });
  return { page, errors };
}

async function fillOrder(page: Page, account: string, amount: string, description: string) {
  const select = page.getByLabel("Account", { exact: true });
  const value = await select.locator("option", { hasText: account }).getAttribute("value");
  if (!value) throw new Error(`no option for ${account}`);
  await select.selectOption(value);
  await page.getByLabel("Amount (USD)").fill(amount);
  await page.getByLabel("Description").fill(description);
}

describe("the create-order form in a real browser", () => {
  it("creates an order through the SDK, shows it, and lists it after the refresh", async () => {
    const { page, errors } = await openPage();
    try {
      await expect(page.getByRole("heading", { name: "Accounts" }).isVisible()).resolves.toBe(true);
      const description = `Browser order ${Date.now()}`;
      await fillOrder(page, "Alice Savings", "12.34", description);
      await page.getByRole("button", { name: "Create order" }).click();

      const status = page.getByRole("status");
      await status.getByText("Created order").waitFor({ timeout: 30_000 });
      expect(await status.textContent()).toContain("$12.34");
      const row = page.locator("table.orders tbody tr", { hasText: description });
      await row.waitFor({ timeout: 30_000 });
      expect(await row.textContent()).toContain("$12.34");
      expect(await row.textContent()).toContain("Alice Savings");

      expect(await ordersWith(description)).toEqual([{ amount: 1234, account: "Alice Savings", principal: "alice" }]);
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("creates one order for a double click", async () => {
    const { page, errors } = await openPage();
    try {
      const description = `Double click ${Date.now()}`;
      await fillOrder(page, "Alice Checking", "5", description);
      await page.getByRole("button", { name: "Create order" }).dblclick();
      await page.locator("table.orders tbody tr", { hasText: description }).waitFor({ timeout: 30_000 });
      // Give a stray second request time to land if one was sent.
      await page.waitForLoadState("networkidle");
      expect(await ordersWith(description)).toEqual([{ amount: 500, account: "Alice Checking", principal: "alice" }]);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("retries with the same key when the answer is lost after the commit, and marks the replay", async () => {
    const { page } = await openPage();
    try {
      let attempts = 0;
      await page.route("**/api/trpc/orders.create*", async (route) => {
        attempts++;
        if (attempts === 1) {
          // The server commits the order; the browser never sees the answer.
          await route.fetch();
          await route.abort("connectionreset");
        } else {
          await route.continue();
        }
      });
      const description = `Lost answer ${Date.now()}`;
      await fillOrder(page, "Alice Checking", "7.25", description);
      await page.getByRole("button", { name: "Create order" }).click();
      const status = page.getByRole("status");
      await status.getByText("replayed").waitFor({ timeout: 30_000 });
      expect(await status.textContent()).toContain("$7.25");
      expect(await status.textContent()).toContain("after 2 attempts");
      await page.screenshot({ path: "/tmp/oncely-web-replayed.png" });
      await page.locator("table.orders tbody tr", { hasText: description }).waitFor({ timeout: 30_000 });
      expect(attempts).toBe(2);
      expect(await ordersWith(description)).toEqual([{ amount: 725, account: "Alice Checking", principal: "alice" }]);
    } finally {
      await page.close();
    }
  });

  it("says what is wrong with an amount it cannot use, and sends nothing", async () => {
    const { page } = await openPage();
    try {
      const [{ n: before } = { n: -1 }] = await database.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM orders`;
      await page.getByLabel("Amount (USD)").fill("12.345");
      await page.getByRole("button", { name: "Create order" }).click();
      await page.getByRole("status").getByText("at most 2 digits").waitFor({ timeout: 10_000 });
      expect(await page.getByLabel("Amount (USD)").getAttribute("aria-invalid")).toBe("true");
      const [{ n: after } = { n: -2 }] = await database.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM orders`;
      expect(after).toBe(before);
    } finally {
      await page.close();
    }
  });
});
