import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { seedDemo } from "@oncely/db";
import { createTestDatabase, type TestDatabase } from "@oncely/db/testing";
import { type Browser, chromium, type Locator, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type RunningWeb, startBuiltWeb } from "./nextServer";

// The flows a person clicks through, in Debian's Chromium against the built app in demo mode
// (ONCELY_DEMO=1, so the chaos panel is there). Faults come from the server's chaos layer,
// never from intercepting requests in the browser.

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
/** Where screenshots go: `ONCELY_SCREENSHOT_DIR=docs/screenshots` refreshes the README's. */
const SCREENSHOT_DIR = path.resolve(
  process.env.ONCELY_SCREENSHOT_DIR ?? path.join(os.tmpdir(), "oncely-web-screenshots"),
);
const WAIT = { timeout: 30_000 };

let database: TestDatabase;
let web: RunningWeb;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's browser with \`apt-get install -y chromium\``);
  }
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  database = await createTestDatabase();
  await seedDemo(database.db);
  web = await startBuiltWeb(database.url, { env: { ONCELY_DEMO: "1" } });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
});

afterEach(async () => {
  // No test leaves faults armed for the next one.
  for (const principal of ["alice", "bob"]) {
    const response = await api("chaos.set", { failBeforeCommit: 0, dropResponses: 0, latencyMs: 0 }, principal);
    expect(response.status).toBe(200);
  }
});

afterAll(async () => {
  if (process.env.SHOW_WEB_OUTPUT) console.log(web?.output());
  await browser?.close();
  await web?.stop();
  await database?.drop();
});

/** A mutation over HTTP as a browser session would send it (cookie, same origin, a key). */
function api(procedure: string, input: unknown, principal = "alice") {
  return fetch(`${web.origin}/api/trpc/${procedure}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      cookie: `oncely_session=${principal}`,
      "idempotency-key": randomUUID(),
    },
    body: JSON.stringify(input),
  });
}

async function accountId(name: string): Promise<string> {
  const [row] = await database.sql<{ id: string }[]>`SELECT id FROM accounts WHERE name = ${name}`;
  if (!row) throw new Error(`no account named ${name}`);
  return row.id;
}

/** Creates a pending order for alice through the API (for tests about later steps). */
async function orderFor(description: string, amount = 4_200, account = "Alice Checking") {
  const response = await api("orders.create", {
    accountId: await accountId(account),
    amount,
    currency: "USD",
    description,
  });
  expect(response.status).toBe(200);
  return (await response.json()).result.data as { id: string; version: number };
}

const count = async (query: Promise<{ n: number }[]>) => (await query)[0]?.n ?? -1;
const paymentsOf = (orderId: string) =>
  count(database.sql`SELECT count(*)::int AS n FROM payments WHERE order_id = ${orderId}`);
const refundedOf = (orderId: string) =>
  count(database.sql`
    SELECT coalesce(sum(r.amount), 0)::int AS n FROM refunds r JOIN payments p ON p.id = r.payment_id
    WHERE p.order_id = ${orderId}`);
const transfersOf = (amount: number) =>
  count(database.sql`SELECT count(*)::int AS n FROM transfers WHERE amount = ${amount}`);

interface OpenPage {
  page: Page;
  /** Uncaught exceptions and console errors other than the failed loads chaos causes on purpose. */
  errors: string[];
}

async function openPage(pathname: string): Promise<OpenPage> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) {
      errors.push(message.text());
    }
  });
  await page.goto(`${web.origin}${pathname}`);
  return { page, errors };
}

async function screenshot(page: Page, name: string) {
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** Arms faults through the chaos panel, as a person would. */
async function armChaos(page: Page, faults: { failBeforeCommit?: number; dropResponses?: number; latencyMs?: number }) {
  await page.getByLabel("Fail before commit").fill(String(faults.failBeforeCommit ?? 0));
  await page.getByLabel("Drop the answer after commit").fill(String(faults.dropResponses ?? 0));
  await page.getByLabel("Add latency").fill(String(faults.latencyMs ?? 0));
  await page.getByRole("button", { name: "Arm faults" }).click();
  await page.getByTestId("chaos-state").getByText("Armed").waitFor(WAIT);
}

const section = (page: Page, heading: string): Locator =>
  page.locator("section", { has: page.getByRole("heading", { name: heading, exact: true }) });

describe("orders in a real browser", () => {
  it("create → pay with the answer dropped (one charge, retry and replay shown) → refunds → cancel", async () => {
    const { page, errors } = await openPage("/orders");
    try {
      // Create an order through the form.
      const description = "Bicycle bell";
      const form = section(page, "Create order");
      await form.getByLabel("Account").selectOption({ label: "Alice Checking ($2,500.00)" });
      await form.getByLabel("Amount (USD)").fill("42.50");
      await form.getByLabel("Description").fill(description);
      await form.getByRole("button", { name: "Create order" }).click();
      await form.getByRole("status").getByText("Created order").waitFor(WAIT);
      expect(await form.getByRole("status").textContent()).toContain("$42.50");
      await page.getByRole("table", { name: "Orders" }).getByText(description).waitFor(WAIT);
      await screenshot(page, "orders");
      const [order] = await database.sql<{ id: string }[]>`SELECT id FROM orders WHERE description = ${description}`;
      expect(order).toBeDefined();
      const orderId = order?.id ?? "";

      // Pay it while the server drops the answer after committing.
      await form.getByRole("link", { name: orderId.slice(0, 8) }).click();
      await page.waitForURL(`**/orders/${orderId}`);
      await armChaos(page, { dropResponses: 1 });
      const payment = section(page, "Payment");
      await payment.getByRole("button", { name: "Pay $42.50" }).click();
      const attempts = payment.getByRole("log", { name: "Payment attempts" });
      await attempts.locator(".badge-replayed").waitFor(WAIT);
      const timeline = await attempts.textContent();
      expect(timeline).toContain("Attempt 1");
      expect(timeline).toContain("no answer (the connection dropped)");
      expect(timeline).toMatch(/Retrying in \d+ ms with the same key/);
      expect(timeline).toContain("Attempt 2");
      expect(timeline).toContain("Answered from the key store");
      expect(await payment.getByRole("status").textContent()).toContain("Paid $42.50 after 2 attempts");
      expect(await paymentsOf(orderId)).toBe(1);
      const payKey = (await payment.getByTestId("operation-key").textContent()) ?? "";
      expect(payKey).toMatch(/^[0-9a-f-]{36}$/);
      await page.getByTestId("chaos-state").getByText("Off").waitFor(WAIT);
      await payment.getByText("Paid", { exact: true }).waitFor(WAIT);

      // A partial refund, then one for more than is left: refused, in words, nothing refunded.
      const refunds = section(page, "Refunds");
      await refunds.getByLabel("Refund amount (USD)").fill("10");
      await refunds.getByRole("button", { name: "Refund", exact: true }).click();
      await refunds.getByRole("status").getByText("Refunded $10.00").waitFor(WAIT);
      await refunds.getByText("$32.50 of $42.50 can still be refunded.").waitFor(WAIT);
      expect(await refundedOf(orderId)).toBe(1_000);

      await refunds.getByLabel("Refund amount (USD)").fill("40");
      await refunds.getByRole("button", { name: "Refund", exact: true }).click();
      const alert = refunds.getByRole("alert");
      await alert.getByText("more than is left to refund").waitFor(WAIT);
      expect(await alert.textContent()).toBe(
        "That is more than is left to refund: $32.50 of $42.50 can still be refunded. Nothing was refunded.",
      );
      expect(await refundedOf(orderId)).toBe(1_000);

      // A paid order is refunded, not cancelled; the page says so instead of offering it.
      const cancel = section(page, "Cancel");
      expect(await cancel.textContent()).toContain("A paid order cannot be cancelled. Refund its payment instead.");
      expect(await cancel.getByRole("button").count()).toBe(0);
      await screenshot(page, "order-detail");

      // Cancel another, unpaid order.
      const other = await orderFor(`To cancel ${Date.now()}`, 900);
      await page.goto(`${web.origin}/orders/${other.id}`);
      const cancelOther = section(page, "Cancel");
      await cancelOther.getByRole("button", { name: "Cancel order" }).click();
      await cancelOther.getByRole("status").getByText("Order cancelled.").waitFor(WAIT);
      await cancelOther.getByText("This order is cancelled.").waitFor(WAIT);
      const [cancelled] = await database.sql<{ status: string }[]>`SELECT status FROM orders WHERE id = ${other.id}`;
      expect(cancelled?.status).toBe("cancelled");
      expect(await section(page, "Payment").textContent()).toContain("cancelled, so it cannot be paid");

      // The key inspector shows the payment's key with its replay and stored answer.
      await page.goto(`${web.origin}/keys`);
      const row = page.locator(`tr[data-key="${payKey}"]`);
      expect(await row.textContent()).toContain("payments.create");
      // At least the SDK's retry; a browser's own resends of the dropped attempt are replays too.
      expect(Number(await row.locator("td").nth(4).textContent())).toBeGreaterThanOrEqual(1);
      await screenshot(page, "keys");
      await row.getByRole("link").click();
      await page.waitForURL(`**/keys/${payKey}`);
      const stored = JSON.parse((await page.getByTestId("stored-answer").textContent()) ?? "null");
      expect(stored).toMatchObject({ orderId, amount: 4_250, currency: "USD", status: "succeeded" });
      await screenshot(page, "key-detail");

      // The dashboard's ledger shows the charge and the refund.
      await page.goto(`${web.origin}/`);
      const ledger = page.getByRole("table", { name: "Recent ledger entries" });
      expect(await ledger.textContent()).toContain(`Payment for order ${orderId.slice(0, 8)}`);
      expect(await ledger.textContent()).toContain("+$10.00");
      await screenshot(page, "dashboard");
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("fails n requests in a row before the commit: waits Retry-After each time, then creates the order once", async () => {
    const { page, errors } = await openPage("/orders");
    try {
      await armChaos(page, { failBeforeCommit: 2 });
      const description = `Flaky ${Date.now()}`;
      const form = section(page, "Create order");
      await form.getByLabel("Amount (USD)").fill("3");
      await form.getByLabel("Description").fill(description);
      await form.getByRole("button", { name: "Create order" }).click();
      await form.getByRole("status").getByText("Created order").waitFor(WAIT);
      const steps = form.getByRole("log", { name: "Order attempts" }).getByRole("listitem");
      expect(await steps.count()).toBe(3);
      for (const n of [0, 1]) {
        const text = await steps.nth(n).textContent();
        expect(text).toContain(`Attempt ${n + 1}`);
        expect(text).toContain("503: the server failed before saving; nothing was saved");
        expect(text).toContain("Retrying in 1000 ms");
      }
      expect(await steps.nth(2).textContent()).toContain("Attempt 3");
      expect(await steps.nth(2).textContent()).toContain("Done: the server did it now");
      expect(await form.locator(".badge-replayed").count()).toBe(0);
      const [{ n } = { n: -1 }] = await database.sql<
        { n: number }[]
      >`SELECT count(*)::int AS n FROM orders WHERE description = ${description}`;
      expect(n).toBe(1);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("charges once for a double click on Pay, and refunds once for a double click on Refund", async () => {
    const order = await orderFor(`Double click ${Date.now()}`, 2_000);
    const { page, errors } = await openPage(`/orders/${order.id}`);
    try {
      const sent: string[] = [];
      page.on("request", (request) => {
        const procedure = /\/api\/trpc\/([a-z.]+)/i.exec(request.url())?.[1];
        if (procedure === "payments.create" || procedure === "refunds.create") sent.push(procedure);
      });
      // Latency keeps the first request in flight while the second click lands.
      await armChaos(page, { latencyMs: 400 });

      const pay = section(page, "Payment").getByRole("button", { name: "Pay $20.00" });
      await pay.dblclick();
      await section(page, "Payment").getByRole("status").getByText("Paid $20.00").waitFor(WAIT);
      expect(await paymentsOf(order.id)).toBe(1);

      // Two clicks in one task, before React re-renders the button as disabled: the SDK hook
      // joins the second submit to the first (same key, no second request).
      const refunds = section(page, "Refunds");
      await refunds.getByLabel("Refund amount (USD)").fill("2.50");
      await refunds.getByRole("button", { name: "Refund", exact: true }).evaluate((button: HTMLButtonElement) => {
        button.click();
        button.click();
      });
      await refunds.getByRole("status").getByText("Refunded $2.50").waitFor(WAIT);
      await refunds.getByText("$17.50 of $20.00 can still be refunded.").waitFor(WAIT);
      expect(await refundedOf(order.id)).toBe(250);
      expect(sent).toEqual(["payments.create", "refunds.create"]);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("says clearly when the shipping address changed elsewhere (version conflict), then saves", async () => {
    const order = await orderFor(`Ship me ${Date.now()}`, 1_500);
    const { page, errors } = await openPage(`/orders/${order.id}`);
    try {
      // Someone else saves an address after this page was rendered.
      const elsewhere = {
        name: "Bob Other",
        line1: "9 Side St",
        city: "Elsewhere",
        postalCode: "99999",
        country: "US",
      };
      const update = await api("orders.updateShipping", {
        orderId: order.id,
        expectedVersion: order.version,
        shipping: elsewhere,
      });
      expect(update.status).toBe(200);

      const shipping = section(page, "Shipping address");
      await shipping.getByLabel("Name").fill("Alice Example");
      await shipping.getByLabel("Address line 1").fill("1 Main St");
      await shipping.getByLabel("City").fill("Springfield");
      await shipping.getByLabel("Postal code").fill("12345");
      await shipping.getByLabel("Country (2 letters, e.g. US)").fill("us");
      await shipping.getByRole("button", { name: "Save address" }).click();
      const alert = shipping.getByRole("alert");
      await alert.getByText("changed somewhere else").waitFor(WAIT);
      await shipping.getByTestId("current-shipping").getByText("9 Side St").waitFor(WAIT);
      expect(await alert.textContent()).toContain("you started from version 1; it is now at version 2");
      expect(await alert.textContent()).toContain("Your address was not saved.");
      const [kept] = await database.sql<{ shipping: { line1: string } }[]>`
        SELECT shipping FROM orders WHERE id = ${order.id}`;
      expect(kept?.shipping.line1).toBe("9 Side St");

      await shipping.getByRole("button", { name: "Save address" }).click();
      await shipping.getByRole("status").getByText("Address saved (order version 3).").waitFor(WAIT);
      const [saved] = await database.sql<{ shipping: { line1: string; country: string } }[]>`
        SELECT shipping FROM orders WHERE id = ${order.id}`;
      expect(saved?.shipping).toMatchObject({ line1: "1 Main St", country: "US" });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe("sessions in a real browser", () => {
  it("switches to bob: his accounts, his own (calm) chaos settings; alice's stay hers", async () => {
    const { page, errors } = await openPage("/");
    try {
      await armChaos(page, { latencyMs: 100 });
      await page.getByLabel("Signed in as").selectOption("bob");
      await page.getByRole("button", { name: "Switch" }).click();
      const accountNames = page.locator(".account-name");
      await accountNames.getByText("Bob Checking").waitFor(WAIT);
      expect(await accountNames.allTextContents()).toEqual(["Bob Checking", "Bob Savings", "Bob's Bikes"]);
      await page.getByTestId("chaos-state").getByText("Off").waitFor(WAIT);

      await page.getByLabel("Signed in as").selectOption("alice");
      await page.getByRole("button", { name: "Switch" }).click();
      await accountNames.getByText("Alice Checking").waitFor(WAIT);
      await page.getByTestId("chaos-state").getByText("every request waits 100 ms").waitFor(WAIT);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe("transfers in a real browser", () => {
  it("says in words that the money is not there, and moves nothing", async () => {
    const { page, errors } = await openPage("/transfers");
    try {
      const before = await count(database.sql`SELECT count(*)::int AS n FROM transfers`);
      await page.getByLabel("From").selectOption(await accountId("Alice Savings"));
      await page.getByLabel("To").selectOption(await accountId("Alice Checking"));
      await page.getByLabel("Amount (USD)").fill("5,000");
      await page.getByRole("button", { name: "Transfer" }).click();
      const alert = page.getByRole("alert").filter({ hasText: "Not enough money" });
      await alert.waitFor(WAIT);
      const [savings] = await database.sql<{ balance: number }[]>`
        SELECT balance::int AS balance FROM accounts WHERE name = 'Alice Savings'`;
      const held = `$${((savings?.balance ?? 0) / 100).toLocaleString("en-US", { minimumFractionDigits: 2 })}`;
      expect(await alert.textContent()).toBe(
        `Not enough money: Alice Savings holds ${held}, and this transfer needs $5,000.00. Nothing was moved.`,
      );
      expect(await count(database.sql`SELECT count(*)::int AS n FROM transfers`)).toBe(before);
      await screenshot(page, "transfers");
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("resumes the same operation after a reload in the middle of retries: one transfer", async () => {
    const { page, errors } = await openPage("/transfers");
    try {
      // The first attempt commits and its answer is dropped; the retries are slow.
      await armChaos(page, { dropResponses: 3, latencyMs: 1_000 });
      const fill = async () => {
        await page.getByLabel("From").selectOption(await accountId("Alice Checking"));
        await page.getByLabel("To").selectOption(await accountId("Alice Savings"));
        await page.getByLabel("Amount (USD)").fill("12.34");
      };
      await fill();
      await page.getByRole("button", { name: "Transfer" }).click();
      const attempts = page.getByRole("log", { name: "Transfer attempts" });
      await attempts.getByText("Attempt 1").first().waitFor(WAIT);
      await attempts.getByText("no answer (the connection dropped)").first().waitFor(WAIT);
      const key = (await page.getByTestId("operation-key").textContent()) ?? "";
      expect(key).toMatch(/^[0-9a-f-]{36}$/);
      expect(await attempts.locator(".timeline-step-ok").count()).toBe(0);
      await screenshot(page, "transfer-retrying");

      await page.reload();
      const notice = page.getByTestId("resume-notice");
      await notice.waitFor(WAIT);
      expect(await notice.textContent()).toContain(key);
      await page.getByRole("button", { name: "Turn off" }).click();
      await page.getByTestId("chaos-state").getByText("Off").waitFor(WAIT);

      await fill();
      await page.getByRole("button", { name: "Transfer" }).click();
      const status = page.getByRole("status").filter({ hasText: "Moved $12.34" });
      await status.waitFor(WAIT);
      expect(await status.textContent()).toContain("replayed");
      expect(await page.getByTestId("operation-key").textContent()).toBe(key);
      expect(await transfersOf(1_234)).toBe(1);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
