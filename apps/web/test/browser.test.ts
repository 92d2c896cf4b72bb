import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { seedDemo } from "@oncely/db";
import { createTestDatabase, type TestDatabase } from "@oncely/db/testing";
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type RunningWeb, startBuiltWeb } from "./nextServer";

// The flows a person clicks through, in Debian's Chromium against the built app in demo mode
// (ONCELY_DEMO=1, so the chaos panel is there). Faults come from the server's chaos layer,
// never from intercepting requests in the browser. Every effect is counted in the database.

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
const DESKTOP = { width: 1200, height: 900 };
const PHONE = { width: 390, height: 844 };
/** The viewer's zone in every test: times must show it ("GMT+9"), not the server's. */
const TIME_ZONE = "Asia/Tokyo";

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

/** A mutation over HTTP as a script with the principal's API key would send it. */
function api(procedure: string, input: unknown, principal = "alice") {
  return fetch(`${web.origin}/api/trpc/${procedure}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Bearer sk_test_${principal}`,
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

/** Creates a pending order through the API (for tests about later steps). */
async function orderFor(description: string, amount = 4_200, account = "Alice Checking", principal = "alice") {
  const response = await api(
    "orders.create",
    { accountId: await accountId(account), amount, currency: "USD", description },
    principal,
  );
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
const ordersDescribed = (description: string) =>
  count(database.sql`SELECT count(*)::int AS n FROM orders WHERE description = ${description}`);
const balanceOf = async (name: string) =>
  count(database.sql`SELECT balance::int AS n FROM accounts WHERE name = ${name}`);
/** The stored answer's status under a key, or null when the server holds no such key. */
const keyStatus = async (key: string) =>
  (
    await database.sql<{ status: number | null }[]>`
    SELECT response_status AS status FROM oncely_idempotency_keys WHERE key = ${key}`
  )[0]?.status ?? null;

interface OpenPage {
  page: Page;
  context: BrowserContext;
  /** Uncaught exceptions and console errors other than the failed loads chaos causes on purpose. */
  errors: string[];
  close: () => Promise<void>;
}

/** A fresh browser (own cookies and storage: a first visit, acting as alice) on `pathname`. */
async function openPage(pathname: string, viewport = DESKTOP): Promise<OpenPage> {
  const context = await browser.newContext({ viewport, timezoneId: TIME_ZONE });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) {
      errors.push(message.text());
    }
  });
  await page.goto(`${web.origin}${pathname}`);
  return { page, context, errors, close: () => context.close() };
}

async function screenshot(page: Page, name: string) {
  // A list page streams in behind its loading state: wait for the page itself.
  await page.locator(".loading").waitFor({ state: "detached", ...WAIT });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** Opens the chaos drawer (closed by default). */
async function openChaos(page: Page) {
  const toggle = page.getByRole("button", { name: /^Chaos/ });
  if ((await toggle.getAttribute("aria-expanded")) !== "true") await toggle.click();
  await page.getByTestId("chaos-state").waitFor(WAIT);
}

/** Arms faults through the chaos drawer, as a person would, and closes it again. */
async function armChaos(page: Page, faults: { failBeforeCommit?: number; dropResponses?: number; latencyMs?: number }) {
  await openChaos(page);
  await page.getByLabel("Fail before commit").fill(String(faults.failBeforeCommit ?? 0));
  await page.getByLabel("Drop the answer after commit").fill(String(faults.dropResponses ?? 0));
  await page.getByLabel("Add latency").fill(String(faults.latencyMs ?? 0));
  await page.getByRole("button", { name: "Arm faults" }).click();
  await page.getByTestId("chaos-state").getByText("Armed").waitFor(WAIT);
  await page.getByRole("button", { name: "Close" }).click();
}

/** Turns every fault off through the drawer. */
async function turnChaosOff(page: Page) {
  await openChaos(page);
  await page.getByRole("button", { name: "Turn off" }).click();
  await page.getByTestId("chaos-state").getByText("Off").waitFor(WAIT);
  await page.getByRole("button", { name: "Close" }).click();
}

const transferForm = (page: Page) => page.locator("form", { has: page.getByLabel("From") });

const section = (page: Page, heading: string): Locator =>
  page.locator("section", { has: page.getByRole("heading", { name: heading, exact: true }) });

/** The key an operation's timeline shows. */
const operationKey = async (scope: Locator) => (await scope.getByTestId("operation-key").textContent()) ?? "";

describe("orders in a real browser", () => {
  it("create → pay with the answer dropped (one charge, retry and replay shown) → refunds → cancel", async () => {
    const { page, errors, close } = await openPage("/orders");
    try {
      // Create an order through the form; focus lands on the result.
      const description = "Bicycle bell";
      const form = page.locator("form", { has: page.getByRole("button", { name: "Create order" }) });
      await form.getByLabel("Account").selectOption({ label: "Alice Checking ($2,500.00)" });
      await form.getByLabel("Amount (USD)").fill("42.50");
      await form.getByLabel("Description (optional)").fill(description);
      await form.getByRole("button", { name: "Create order" }).click();
      const created = page.getByRole("status").filter({ hasText: "Created order" });
      await created.waitFor(WAIT);
      expect(await created.textContent()).toContain("($42.50)");
      expect(await created.evaluate((node) => node === document.activeElement)).toBe(true);
      const row = page.getByRole("table", { name: "Orders" }).getByRole("row", { name: new RegExp(description) });
      await row.waitFor(WAIT);
      expect(await row.textContent()).toContain("Pending");
      // Times are in the viewer's zone, zone shown.
      expect(await row.locator("time").textContent()).toMatch(/GMT\+9$/);
      await screenshot(page, "orders");
      const [order] = await database.sql<{ id: string }[]>`SELECT id FROM orders WHERE description = ${description}`;
      const orderId = order?.id ?? "";
      expect(orderId).not.toBe("");

      // Pay it while the server drops the answer after committing.
      await row.getByRole("link", { name: description }).click();
      await page.waitForURL(`**/orders/${orderId}`);
      await armChaos(page, { dropResponses: 1 });
      const payment = section(page, "Payment");
      await payment.getByRole("button", { name: "Pay $42.50" }).click();
      const attempts = payment.getByRole("log", { name: "Payment attempts" });
      await attempts.locator(".badge-replayed").waitFor(WAIT);
      const timeline = await attempts.textContent();
      expect(timeline).toContain("Attempt 1");
      expect(timeline).toContain("no answer (the connection dropped)");
      expect(timeline).toMatch(/Trying again in \d+ ms with the same key/);
      expect(timeline).toContain("Attempt 2");
      expect(timeline).toContain("Done by an earlier attempt");
      await payment.getByRole("status").getByText("Paid $42.50 after 2 attempts.").waitFor(WAIT);
      expect(await paymentsOf(orderId)).toBe(1);
      const payKey = await operationKey(payment);
      expect(payKey).toMatch(/^[0-9a-f-]{36}$/);
      await payment.getByText("Paid", { exact: true }).waitFor(WAIT);

      // A partial refund, then one for more than is left: refused, in words, nothing refunded.
      const refunds = section(page, "Refunds");
      await refunds.getByLabel("Refund amount (USD)").fill("10");
      await refunds.getByRole("button", { name: "Refund", exact: true }).click();
      await refunds.getByRole("status").getByText("Refunded $10.00").waitFor(WAIT);
      await refunds.getByText("$32.50 of $42.50 can still be refunded.").waitFor(WAIT);
      expect(await refundedOf(orderId)).toBe(1_000);
      await page.locator("h1").getByText("Partly refunded").waitFor(WAIT);

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

      // The key the timeline shows opens in the inspector, which links to the order and tells
      // the app's attempts (the timeline's two) from the browser's own silent resends.
      await payment.getByRole("link", { name: "Open in the key inspector" }).click();
      await page.waitForURL(`**/keys/${payKey}`);
      const stored = JSON.parse((await page.getByTestId("stored-answer").textContent()) ?? "null");
      expect(stored).toMatchObject({ orderId, amount: 4_250, currency: "USD", status: "succeeded" });
      expect(await page.getByTestId("produced").getByRole("link").getAttribute("href")).toBe(`/orders/${orderId}`);
      const requests = (await page.getByTestId("requests").textContent()) ?? "";
      expect(requests).toContain("2 attempts by the app");
      const resends = Number(/(\d+) silent resends?/.exec(requests)?.[1] ?? 0);
      await expect
        .poll(
          async () =>
            (
              await database.sql<{ n: number }[]>`
          SELECT replay_count AS n FROM oncely_idempotency_keys WHERE key = ${payKey}`
            )[0]?.n,
        )
        .toBe(1 + resends);
      await screenshot(page, "key-detail");

      await page.goto(`${web.origin}/keys`);
      const keyRow = page.locator(`tr[data-key="${payKey}"]`);
      expect(await keyRow.textContent()).toContain("Pay an order");
      await screenshot(page, "keys");

      // The ledger shows the charge and the refund, linked to the order, with running balances.
      await page.goto(`${web.origin}/ledger?account=${await accountId("Alice Checking")}`);
      const ledger = page.getByRole("table", { name: "Ledger of Alice Checking" });
      const charge = ledger.getByRole("row").filter({ hasText: "Payment for order" });
      expect(await charge.getByRole("link").getAttribute("href")).toBe(`/orders/${orderId}`);
      expect(await charge.textContent()).toContain("-$42.50");
      expect(await charge.textContent()).toContain("$2,457.50");
      expect(await ledger.getByRole("row").filter({ hasText: "Refund of order" }).textContent()).toContain("+$10.00");
      await screenshot(page, "ledger");
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it("fails n requests in a row before the commit: waits Retry-After each time, then creates the order once", async () => {
    const { page, errors, close } = await openPage("/orders");
    try {
      await armChaos(page, { failBeforeCommit: 2 });
      const description = `Flaky ${Date.now()}`;
      await page.getByLabel("Amount (USD)").fill("3");
      await page.getByLabel("Description (optional)").fill(description);
      await page.getByRole("button", { name: "Create order" }).click();
      await page.getByRole("status").getByText("Created order").waitFor(WAIT);
      const steps = page.getByRole("log", { name: "Order attempts" }).getByRole("listitem");
      expect(await steps.count()).toBe(3);
      for (const n of [0, 1]) {
        const text = await steps.nth(n).textContent();
        expect(text).toContain(`Attempt ${n + 1}`);
        expect(text).toContain("503: the server failed before saving; nothing was saved");
        expect(text).toContain("Trying again in 1000 ms");
      }
      expect(await steps.nth(2).textContent()).toBe("Attempt 3Done.");
      expect(await page.locator(".badge-replayed").count()).toBe(0);
      expect(await ordersDescribed(description)).toBe(1);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it("charges once for a double click on Pay, and refunds once for a double click on Refund", async () => {
    const order = await orderFor(`Double click ${Date.now()}`, 2_000);
    const { page, errors, close } = await openPage(`/orders/${order.id}`);
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
      await close();
    }
  });

  it("after a decline, a top-up and Pay again charge exactly once (the refusal's key is not reused)", async () => {
    // Alice Savings holds $1,000.00; the order is for $1,500.00.
    const order = await orderFor(`Big order ${Date.now()}`, 150_000, "Alice Savings");
    const { page, errors, close } = await openPage(`/orders/${order.id}`);
    try {
      const payment = section(page, "Payment");
      await payment.getByRole("button", { name: "Pay $1,500.00" }).click();
      const alert = payment.getByRole("alert");
      await alert.getByText("Not enough money").waitFor(WAIT);
      expect(await alert.textContent()).toBe(
        "Not enough money: Alice Savings holds $1,000.00, and this order needs $1,500.00. Nothing was charged. Add money to the account, then pay again.",
      );
      const declinedKey = await operationKey(payment);
      expect(await keyStatus(declinedKey)).toBe(422);
      expect(await paymentsOf(order.id)).toBe(0);

      // Top the account up (another tab, say), then press Pay again on the same page.
      const topUp = await api("transfers.create", {
        fromAccountId: await accountId("Alice Checking"),
        toAccountId: await accountId("Alice Savings"),
        amount: 100_000,
        currency: "USD",
      });
      expect(topUp.status).toBe(200);
      await payment.getByRole("button", { name: "Pay $1,500.00" }).click();
      await payment.getByRole("status").getByText("Paid $1,500.00").waitFor(WAIT);
      const paidKey = await operationKey(payment);
      expect(paidKey).not.toBe(declinedKey);
      expect(await keyStatus(paidKey)).toBe(200);
      expect(await paymentsOf(order.id)).toBe(1);
      expect(await balanceOf("Alice Savings")).toBe(50_000);

      // And after a reload: nothing is left to resume, the order is paid.
      await page.reload();
      await page.locator("h1").getByText("Paid").waitFor(WAIT);
      expect(await page.getByTestId("resume-notice").count()).toBe(0);
      expect(await paymentsOf(order.id)).toBe(1);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it("marks a refusal whose first answer was lost as replayed, in the timeline", async () => {
    const order = await orderFor(`Too big ${Date.now()}`, 900_000, "Alice Checking");
    const { page, errors, close } = await openPage(`/orders/${order.id}`);
    try {
      await armChaos(page, { dropResponses: 1 });
      const payment = section(page, "Payment");
      await payment.getByRole("button", { name: "Pay $9,000.00" }).click();
      await payment.getByRole("alert").getByText("Not enough money").waitFor(WAIT);
      const steps = payment.getByRole("log", { name: "Payment attempts" }).getByRole("listitem");
      expect(await steps.nth(0).textContent()).toContain("no answer (the connection dropped)");
      const refusal = (await steps.nth(1).textContent()) ?? "";
      expect(refusal).toContain("Attempt 2");
      expect(refusal).toContain("Refused: 422: insufficient funds");
      expect(await steps.nth(1).locator(".badge-replayed").count()).toBe(1);
      expect(refusal).toContain("A final answer, not retried.");
      expect(await paymentsOf(order.id)).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it("asks before cancelling, and offers no cancel while a payment is in flight", async () => {
    const toCancel = await orderFor(`To cancel ${Date.now()}`, 900);
    const { page, errors, close } = await openPage(`/orders/${toCancel.id}`);
    try {
      const cancel = section(page, "Cancel");
      await cancel.getByRole("button", { name: "Cancel order…" }).click();
      await cancel.getByText("Cancel this order? Nothing has been charged. Cancelling is final.").waitFor(WAIT);
      await cancel.getByRole("button", { name: "Keep the order" }).click();
      const [kept] = await database.sql<{ status: string }[]>`SELECT status FROM orders WHERE id = ${toCancel.id}`;
      expect(kept?.status).toBe("pending");
      await cancel.getByRole("button", { name: "Cancel order…" }).click();
      await cancel.getByRole("button", { name: "Yes, cancel the order" }).click();
      await cancel.getByRole("status").getByText("This order is cancelled.").waitFor(WAIT);
      const [cancelled] = await database.sql<{ status: string }[]>`SELECT status FROM orders WHERE id = ${toCancel.id}`;
      expect(cancelled?.status).toBe("cancelled");
      await page.locator("h1").getByText("Cancelled").waitFor(WAIT);
      expect(await section(page, "Payment").textContent()).toContain("cancelled, so it cannot be paid");

      // While a payment is in flight the Cancel button waits.
      const toPay = await orderFor(`To pay ${Date.now()}`, 700);
      await page.goto(`${web.origin}/orders/${toPay.id}`);
      await armChaos(page, { latencyMs: 1_500 });
      await section(page, "Payment").getByRole("button", { name: "Pay $7.00" }).click();
      const waiting = section(page, "Cancel").getByRole("button", { name: "Cancel order…" });
      await section(page, "Cancel").getByText("A payment is in flight: wait for its answer.").waitFor(WAIT);
      expect(await waiting.isDisabled()).toBe(true);
      await section(page, "Payment").getByRole("status").getByText("Paid $7.00").waitFor(WAIT);
      await section(page, "Cancel").getByText("A paid order cannot be cancelled").waitFor(WAIT);
      expect(await paymentsOf(toPay.id)).toBe(1);
      const [paid] = await database.sql<{ status: string }[]>`SELECT status FROM orders WHERE id = ${toPay.id}`;
      expect(paid?.status).toBe("paid");
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it("says clearly when the shipping address changed elsewhere, and puts each field's error under it", async () => {
    const order = await orderFor(`Ship me ${Date.now()}`, 1_500);
    const { page, errors, close } = await openPage(`/orders/${order.id}`);
    try {
      const shipping = section(page, "Shipping address");
      const sent: string[] = [];
      page.on("request", (request) => {
        if (request.url().includes("orders.updateShipping")) sent.push(request.url());
      });
      // A country the server would refuse is refused by the form, under the Country field.
      await shipping.getByLabel("Name").fill("Alice Example");
      await shipping.getByLabel("Address line 1").fill("1 Main St");
      await shipping.getByLabel("City").fill("Springfield");
      await shipping.getByLabel("Postal code").fill("12345");
      const country = shipping.getByLabel("Country (2 letters, e.g. US)");
      await country.fill("U1");
      await shipping.getByRole("button", { name: "Save address" }).click();
      const countryError = shipping.locator(`[id="${(await country.getAttribute("aria-describedby")) ?? "none"}"]`);
      expect(await countryError.textContent()).toBe("Enter two letters, e.g. US or DE");
      expect(await country.getAttribute("aria-invalid")).toBe("true");
      expect(await country.evaluate((node) => node === document.activeElement)).toBe(true);
      expect(sent).toEqual([]);

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

      await country.fill("us");
      await shipping.getByRole("button", { name: "Save address" }).click();
      const alert = shipping.getByRole("alert").filter({ hasText: "changed somewhere else" });
      await alert.waitFor(WAIT);
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
      await close();
    }
  });

  it("offers 'Create another' after a create: a cleared form, and a second identical order is a second order", async () => {
    const { page, errors, close } = await openPage("/orders");
    try {
      const description = `Twice on purpose ${Date.now()}`;
      const fill = async () => {
        await page.getByLabel("Amount (USD)").fill("5");
        await page.getByLabel("Description (optional)").fill(description);
      };
      await fill();
      await page.getByRole("button", { name: "Create order" }).click();
      await page.getByRole("status").getByText("Created order").waitFor(WAIT);
      const firstKey = await operationKey(page.locator("form").filter({ hasText: "Create another" }));
      await page.getByRole("button", { name: "Create another" }).click();
      expect(await page.getByLabel("Amount (USD)").inputValue()).toBe("");
      expect(await page.getByLabel("Description (optional)").inputValue()).toBe("");
      expect(await page.getByLabel("Amount (USD)").evaluate((node) => node === document.activeElement)).toBe(true);
      await fill();
      await page.getByRole("button", { name: "Create order" }).click();
      await page.getByRole("status").getByText("Created order").waitFor(WAIT);
      expect(await operationKey(page.locator("form").filter({ hasText: "Create another" }))).not.toBe(firstKey);
      expect(await ordersDescribed(description)).toBe(2);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });
});

describe("lists", () => {
  it("pages through 60 orders to the very first one, each once", async () => {
    const prefix = `Sixty ${Date.now()}`;
    for (let i = 1; i <= 60; i++) await orderFor(`${prefix} #${i}`, 100 + i, "Bob Checking", "bob");
    const { page, errors, close } = await openPage("/");
    try {
      await page.getByRole("button", { name: "Switch to bob" }).click();
      await page.getByTestId("signed-in-as").getByText("bob").waitFor(WAIT);
      await page.getByRole("link", { name: "Orders", exact: true }).click();
      await page.getByLabel("Order id or description").fill(prefix);
      await page.getByRole("button", { name: "Filter" }).click();
      await page.waitForURL(/q=Sixty/);
      const seen: string[] = [];
      let pages = 0;
      for (;;) {
        const rows = page.getByRole("table", { name: "Orders" }).locator("tbody tr");
        await rows.first().waitFor(WAIT);
        pages += 1;
        for (const text of await rows.locator("td:first-child .row-link").allTextContents()) seen.push(text);
        const older = page.getByRole("link", { name: "Older →" });
        if ((await older.count()) === 0) break;
        const before = page.url();
        await older.click();
        await page.waitForURL((url) => url.toString() !== before);
        if (pages > 10) throw new Error("the pages do not end");
      }
      expect(pages).toBe(3);
      expect(seen).toHaveLength(60);
      expect(new Set(seen).size).toBe(60);
      expect(seen.at(-1)).toBe(`${prefix} #1`);
      expect(seen[0]).toBe(`${prefix} #60`);
      expect(
        await count(database.sql`SELECT count(*)::int AS n FROM orders WHERE description LIKE ${`${prefix} #%`}`),
      ).toBe(60);
      // And back: "Newer" returns to the previous page.
      await page.getByRole("link", { name: "← Newer" }).click();
      await page.getByText("Page 2").waitFor(WAIT);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it("on a 390 px screen shows each order's amount, status and link, and nothing wider than the screen", async () => {
    for (const amount of [250, 99_999, 12_345_600]) await orderFor(`Phone list ${amount}`, amount);
    const shown = await orderFor(`Phone ${Date.now()}`, 1_234);
    const paid = await api("payments.create", { orderId: shown.id });
    const payment = (await paid.json()).result.data as { id: string };
    expect((await api("refunds.create", { paymentId: payment.id, amount: 234 })).status).toBe(200);
    const { page, errors, close } = await openPage("/orders", PHONE);
    try {
      const rows = page.getByRole("table", { name: "Orders" }).locator("tbody tr");
      await rows.first().waitFor(WAIT);
      expect(await rows.count()).toBeGreaterThan(3);
      for (const row of (await rows.all()).slice(0, 5)) {
        for (const label of ["Amount", "Status"]) {
          const cell = row.locator(`td[data-label="${label}"]`);
          expect(await cell.isVisible(), label).toBe(true);
          const box = await cell.boundingBox();
          expect(box && box.x >= 0 && box.x + box.width <= PHONE.width, label).toBe(true);
        }
        expect(await row.locator('td[data-label="Amount"]').textContent()).toMatch(/\$\d/);
        expect(await row.getByRole("link").first().isVisible()).toBe(true);
      }
      const widest = async () => page.evaluate(() => document.documentElement.scrollWidth);
      expect(await widest()).toBeLessThanOrEqual(PHONE.width);
      await screenshot(page, "orders-390");

      // The other screens fit too.
      for (const [pathname, name] of [
        ["/", "dashboard-390"],
        [`/orders/${shown.id}`, "order-detail-390"],
        ["/ledger", "ledger-390"],
        ["/transfers", "transfers-390"],
        ["/keys", "keys-390"],
      ] as const) {
        await page.goto(`${web.origin}${pathname}`);
        await page.locator("h1").waitFor(WAIT);
        expect(await widest(), pathname).toBeLessThanOrEqual(PHONE.width);
        await screenshot(page, name);
      }
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });
});

describe("sessions in a real browser", () => {
  it("'Signed in as' names who acts, at once after Switch: bob's data under bob, alice's under alice", async () => {
    const { page, errors, close } = await openPage("/");
    try {
      const who = page.getByTestId("signed-in-as");
      expect(await who.textContent()).toBe("alice");
      await armChaos(page, { latencyMs: 100 });
      await page.getByRole("button", { name: "Switch to bob" }).click();
      const accountNames = page.locator(".account-name");
      await accountNames.getByText("Bob Checking").waitFor(WAIT);
      expect(await who.textContent()).toBe("bob");
      expect(await accountNames.allTextContents()).toEqual(["Bob Checking", "Bob Savings", "Bob's Bikes"]);
      expect(await page.getByTestId("chaos-armed").count()).toBe(0);

      // From another section the switch stays in that section, with the other's data.
      await page.getByRole("link", { name: "Transfers", exact: true }).click();
      await page.waitForURL("**/transfers");
      await page.getByRole("button", { name: "Switch to alice" }).click();
      await page.getByLabel("From").locator("option", { hasText: "Alice Checking" }).waitFor({ state: "attached" });
      expect(page.url()).toMatch(/\/transfers$/);
      expect(await who.textContent()).toBe("alice");
      expect(await page.getByLabel("From").textContent()).not.toContain("Bob");
      await page.getByTestId("chaos-armed").waitFor(WAIT);
      await openChaos(page);
      await page.getByTestId("chaos-state").getByText("every request waits 100 ms").waitFor(WAIT);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it("does not let a forged cookie act as bob, even in demo mode", async () => {
    const before = await count(database.sql`SELECT count(*)::int AS n FROM orders`);
    const response = await fetch(`${web.origin}/api/trpc/orders.create`, {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": randomUUID(), cookie: "oncely_session=bob" },
      body: JSON.stringify({ accountId: await accountId("Bob Checking"), amount: 100, currency: "USD" }),
    });
    // The unsigned cookie counts for nothing: this is the demo's default principal, alice,
    // who has no such account.
    expect(response.status).toBe(404);
    expect(await count(database.sql`SELECT count(*)::int AS n FROM orders`)).toBe(before);
    const html = await (await fetch(`${web.origin}/`, { headers: { cookie: "oncely_session=bob" } })).text();
    expect(html).toMatch(/Signed in as <strong[^>]*>alice<\/strong>/);
  });
});

describe("the chaos panel", () => {
  it("is a drawer, closed by default, whose inputs show what the server has armed, also after a reload", async () => {
    const { page, errors, close } = await openPage("/orders");
    try {
      const drawer = page.getByRole("complementary", { name: /Chaos panel/ });
      expect(await drawer.isVisible()).toBe(false);
      expect(await page.getByTestId("chaos-armed").count()).toBe(0);
      await armChaos(page, { dropResponses: 2, latencyMs: 300 });
      expect(await drawer.isVisible()).toBe(false);
      await page.getByTestId("chaos-armed").waitFor(WAIT);

      await page.reload();
      await page.getByTestId("chaos-armed").waitFor(WAIT);
      await openChaos(page);
      expect(await page.getByTestId("chaos-state").textContent()).toBe(
        "Armed: the answers to the next 2 requests are dropped after they are saved; every request waits 300 ms.",
      );
      expect(await page.getByLabel("Drop the answer after commit").inputValue()).toBe("2");
      expect(await page.getByLabel("Add latency").inputValue()).toBe("300");
      expect(await page.getByLabel("Fail before commit").inputValue()).toBe("0");
      await screenshot(page, "chaos-drawer");
      await page.getByRole("button", { name: "Turn off" }).click();
      await page.getByTestId("chaos-state").getByText("Off: requests run normally.").waitFor(WAIT);
      expect(await page.getByLabel("Drop the answer after commit").inputValue()).toBe("0");
      await page.keyboard.press("Escape");
      expect(await drawer.isVisible()).toBe(false);
      expect(await page.getByTestId("chaos-armed").count()).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });
});

describe("transfers in a real browser", () => {
  it("says in words that the money is not there, and moves nothing", async () => {
    const { page, errors, close } = await openPage("/transfers");
    try {
      const before = await count(database.sql`SELECT count(*)::int AS n FROM transfers`);
      await page.getByLabel("From").selectOption(await accountId("Alice Savings"));
      await page.getByLabel("To").selectOption(await accountId("Alice Checking"));
      await page.getByLabel("Amount (USD)").fill("5,000");
      await page.getByRole("button", { name: "Transfer", exact: true }).click();
      const alert = page.getByRole("alert").filter({ hasText: "Not enough money" });
      await alert.waitFor(WAIT);
      const held = (await balanceOf("Alice Savings")) / 100;
      expect(await alert.textContent()).toBe(
        `Not enough money: Alice Savings holds $${held.toLocaleString("en-US", { minimumFractionDigits: 2 })}, and this transfer needs $5,000.00. Nothing was moved.`,
      );
      expect(await count(database.sql`SELECT count(*)::int AS n FROM transfers`)).toBe(before);
      // Limits in words: the form refuses what the server refuses.
      await page.getByLabel("Amount (USD)").fill("100,000,000.01");
      await page.getByRole("button", { name: "Transfer", exact: true }).click();
      await page.getByText("Enter at most $100,000,000.00").waitFor(WAIT);
      expect(await count(database.sql`SELECT count(*)::int AS n FROM transfers`)).toBe(before);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it("sends the same transfer twice on purpose as two transfers, each with its own key", async () => {
    const { page, errors, close } = await openPage("/transfers");
    try {
      const fill = async () => {
        await page.getByLabel("From").selectOption(await accountId("Alice Checking"));
        await page.getByLabel("To").selectOption(await accountId("Alice Savings"));
        await page.getByLabel("Amount (USD)").fill("7.77");
      };
      await fill();
      await page.getByRole("button", { name: "Transfer", exact: true }).click();
      await page.getByRole("status").getByText("Moved $7.77").waitFor(WAIT);
      const firstKey = await operationKey(transferForm(page));
      await page.getByRole("button", { name: "Make another transfer" }).click();
      await page.getByRole("button", { name: "Transfer", exact: true }).click();
      await page.getByRole("status").getByText("Moved $7.77").waitFor(WAIT);
      expect(await operationKey(transferForm(page))).not.toBe(firstKey);
      expect(await transfersOf(777)).toBe(2);
      await page.getByRole("table", { name: "Transfers" }).getByRole("row").nth(2).waitFor(WAIT);
      await screenshot(page, "transfers");
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it("after a reload in the middle of retries, says which transfer it was and resumes it with its key: one transfer", async () => {
    const { page, errors, close } = await openPage("/transfers");
    try {
      // The first attempt commits and its answer is dropped; the retries are slow.
      await armChaos(page, { dropResponses: 3, latencyMs: 1_000 });
      await page.getByLabel("From").selectOption(await accountId("Alice Checking"));
      await page.getByLabel("To").selectOption(await accountId("Alice Savings"));
      await page.getByLabel("Amount (USD)").fill("12.34");
      await page.getByRole("button", { name: "Transfer", exact: true }).click();
      const attempts = page.getByRole("log", { name: "Transfer attempts" });
      await attempts.getByText("no answer (the connection dropped)").first().waitFor(WAIT);
      const key = await operationKey(transferForm(page));
      expect(key).toMatch(/^[0-9a-f-]{36}$/);
      expect(await attempts.locator(".timeline-step-ok").count()).toBe(0);
      await screenshot(page, "transfer-retrying");

      await page.reload();
      const resume = page.getByTestId("resume-transfer");
      await resume.waitFor(WAIT);
      const said = (await resume.textContent()) ?? "";
      expect(said).toContain("$12.34 from Alice Checking to Alice Savings");
      expect(said).toContain(key);
      await turnChaosOff(page);

      await resume.getByRole("button", { name: "Resume this transfer" }).click();
      const status = page.getByRole("status").filter({ hasText: "Moved $12.34" });
      await status.waitFor(WAIT);
      expect(await operationKey(transferForm(page))).toBe(key);
      await page.getByRole("log", { name: "Transfer attempts" }).locator(".badge-replayed").waitFor(WAIT);
      expect(await transfersOf(1_234)).toBe(1);

      // The answer is in: after another reload there is nothing to resume.
      await page.reload();
      await page.getByRole("button", { name: "Transfer", exact: true }).waitFor(WAIT);
      expect(await page.getByTestId("resume-transfer").count()).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });
});

describe("a first visit", () => {
  it("explains idempotency keys on the dashboard until dismissed, for good", async () => {
    const { page, errors, close } = await openPage("/");
    try {
      const intro = page.getByRole("region", { name: "What is an idempotency key, and why?" });
      await intro.waitFor(WAIT);
      await screenshot(page, "dashboard");
      await intro.getByRole("button", { name: "Got it, hide this" }).click();
      await intro.waitFor({ state: "detached" });
      await page.reload();
      await page.getByRole("heading", { name: "Accounts" }).waitFor(WAIT);
      expect(await intro.count()).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });
});
