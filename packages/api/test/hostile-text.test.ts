import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createOrder, createPayment, type DemoAccounts, snapshotOf, type TestApi, useLedgerApi } from "./harness";

/**
 * The reproductions of issue 15 that used to be 500s or 404s, as tests:
 * - U+0000 (PostgreSQL's text cannot hold it) in any string input is a 400, nothing written;
 *   so are other control characters in single-line fields and lone UTF-16 surrogates
 *   (UTF-8 cannot encode them: they would be stored as U+FFFD, silently changed);
 * - ids are UUIDs in any letter case: an upper-case id names the same row as its lower-case
 *   form, in every procedure (transfers.create compared them as strings and said 404).
 */

let api: TestApi;
let alice: DemoAccounts;
useLedgerApi((started) => ({ api, alice } = started));
const address = { name: "Alice", line1: "1 Main St", city: "Springfield", postalCode: "12345", country: "US" };

const key = () => ({ idempotencyKey: randomUUID() });
const codeOf = (result: { json: any }) => result.json?.error?.data?.oncelyCode;

/** Sends, expects a 400 invalid_input naming `field`, and proves not one row changed. */
async function expectRefused(send: () => Promise<{ status: number; json: any; body: string }>, field: string) {
  const before = await snapshotOf(api);
  const answer = await send();
  expect(answer.status, answer.body).toBe(400);
  expect(codeOf(answer)).toBe("invalid_input");
  expect(answer.json.error.data.issues.map((i: { path: string }) => i.path)).toContain(field);
  expect(await snapshotOf(api)).toEqual(before);
}

const BAD_TEXT: [label: string, text: string][] = [
  ["U+0000", "a\u0000b"],
  ["U+0000 alone", "\u0000"],
  ["a lone high surrogate", "a\ud800b"],
  ["a lone low surrogate", "\udc00"],
  ["a surrogate pair cut in half", "😀".slice(0, 1)],
];
/** Control characters: refused in single-line fields (a shipping line), not only NUL. */
const CONTROL: [label: string, text: string][] = [
  ["U+0001", "a\u0001b"],
  ["ESC", "a\u001bb"],
  ["a newline", "1 Main St\nBackdoor Lane"],
  ["DEL", "a\u007fb"],
  ["a trailing vertical tab (which trim() would drop)", "Town\u000b"],
  ["U+0085 (C1)", "a\u0085b"],
];

describe("text a PostgreSQL text column cannot hold, or would change, is a 400 with nothing written", () => {
  it.each(BAD_TEXT)("orders.create with %s in description", async (_label, text) => {
    await expectRefused(
      () =>
        api.mutate(
          "orders.create",
          { accountId: alice.checking, amount: 100, currency: "USD", description: text },
          key(),
        ),
      "description",
    );
  });

  it("orders.create accepts tabs and line breaks in a description (free text), and stores them as sent", async () => {
    const description = "line one\nline two\r\n\tindented";
    const answer = await api.mutate(
      "orders.create",
      { accountId: alice.checking, amount: 100, currency: "USD", description },
      key(),
    );
    expect(answer.status, answer.body).toBe(200);
    const [row] = await api.database.sql`SELECT description FROM orders WHERE id = ${answer.json.result.data.id}`;
    expect(row?.description).toBe(description);
  });

  const fields = ["name", "line1", "line2", "city", "postalCode"] as const;
  it.each(fields.flatMap((field) => [...BAD_TEXT, ...CONTROL].map(([label, text]) => [field, label, text])))(
    "orders.updateShipping with %s holding %s",
    async (field, _label, text) => {
      const order = await createOrder(api, { accountId: alice.checking, amount: 100 });
      await expectRefused(
        () =>
          api.mutate("orders.updateShipping", {
            orderId: order.id,
            expectedVersion: order.version,
            shipping: { ...address, [field as string]: text },
          }),
        `shipping.${field}`,
      );
    },
  );

  it.each([...BAD_TEXT, ...CONTROL, ["a non-ASCII letter", "ключ"], ["256 characters", "k".repeat(256)]])(
    "idempotency.get with %s in the key",
    async (_label, text) => {
      await expectRefused(() => api.query("idempotency.get", { key: text }), "key");
    },
  );

  it("idempotency.get still finds a key that holds spaces and quotes (printable ASCII, as the header allows)", async () => {
    const stored = 'a "quoted" key';
    const order = await api.mutate(
      "orders.create",
      { accountId: alice.checking, amount: 100, currency: "USD" },
      { idempotencyKey: `"${stored.replaceAll('"', '\\"')}"` },
    );
    expect(order.status, order.body).toBe(200);
    const found = await api.query("idempotency.get", { key: stored });
    expect(found.status, found.body).toBe(200);
    expect(found.json.result.data.key).toBe(stored);
  });

  it.each([["U+0000", "abc\u0000"], ...CONTROL, ["a lone surrogate", "\ud800"]])(
    "idempotency.list with %s in the cursor",
    async (_label, text) => {
      await expectRefused(() => api.query("idempotency.list", { cursor: text }), "cursor");
    },
  );
});

describe("ids are UUIDs in any letter case", () => {
  const upper = (id: string) => id.toUpperCase();
  const mixed = (id: string) => [...id].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join("");

  it("transfers.create with upper-case account ids moves the money, and answers with the ids in lower case", async () => {
    const answer = await api.mutate(
      "transfers.create",
      { fromAccountId: upper(alice.checking), toAccountId: mixed(alice.savings), amount: 250, currency: "USD" },
      key(),
    );
    expect(answer.status, answer.body).toBe(200);
    expect(answer.json.result.data).toMatchObject({ fromAccountId: alice.checking, toAccountId: alice.savings });
  });

  it("transfers.create from an account to itself written in another case is a 400, nothing written", async () => {
    await expectRefused(
      () =>
        api.mutate(
          "transfers.create",
          { fromAccountId: alice.checking, toAccountId: upper(alice.checking), amount: 1, currency: "USD" },
          key(),
        ),
      "toAccountId",
    );
  });

  it("the same request with the id in another case is the same request: one key, one replay, no 422", async () => {
    const idempotencyKey = randomUUID();
    const input = (id: string) => ({ fromAccountId: id, toAccountId: alice.savings, amount: 1, currency: "USD" });
    const first = await api.mutate("transfers.create", input(alice.checking), { idempotencyKey });
    const again = await api.mutate("transfers.create", input(upper(alice.checking)), { idempotencyKey });
    expect(first.status, first.body).toBe(200);
    expect(again.status, again.body).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toBe(first.body);
  });

  it("every procedure that takes an id answers an upper-case id as it answers the lower-case one", async () => {
    const order = await createOrder(api, { accountId: alice.checking, amount: 300 });
    const payment = await createPayment(api, { accountId: alice.checking, amount: 400 });
    const refund = await api.mutate("refunds.create", { paymentId: upper(payment.id), amount: 1 }, key());
    expect(refund.status, refund.body).toBe(200);
    expect(refund.json.result.data.paymentId).toBe(payment.id);

    const reads: [string, (id: (s: string) => string) => unknown][] = [
      ["accounts.get", (id) => ({ accountId: id(alice.checking) })],
      ["orders.get", (id) => ({ orderId: id(order.id) })],
      ["orders.list", (id) => ({ limit: 2, cursor: id(order.id) })],
      ["payments.get", (id) => ({ paymentId: id(payment.id) })],
      ["payments.list", (id) => ({ orderId: id(payment.orderId) })],
      ["refunds.list", (id) => ({ paymentId: id(payment.id) })],
      ["ledger.recent", (id) => ({ accountId: id(alice.checking), limit: 3 })],
    ];
    for (const [path, input] of reads) {
      const lower = await api.query(
        path,
        input((s) => s),
      );
      const odd = await api.query(path, input(mixed));
      expect(lower.status, `${path}: ${lower.body}`).toBe(200);
      expect(odd.body, path).toBe(lower.body);
    }

    const paid = await api.mutate("payments.create", { orderId: upper(order.id) }, key());
    expect(paid.status, paid.body).toBe(200);
    expect(paid.json.result.data.orderId).toBe(order.id);
    const other = await createOrder(api, { accountId: alice.checking, amount: 300 });
    const shipped = await api.mutate("orders.updateShipping", {
      orderId: upper(other.id),
      expectedVersion: other.version,
      shipping: address,
    });
    expect(shipped.status, shipped.body).toBe(200);
    const cancelled = await api.mutate("orders.cancel", { orderId: mixed(other.id) });
    expect(cancelled.status, cancelled.body).toBe(200);
    expect(cancelled.json.result.data).toMatchObject({ id: other.id, status: "cancelled" });
    const created = await api.mutate(
      "orders.create",
      { accountId: upper(alice.savings), amount: 5, currency: "USD" },
      key(),
    );
    expect(created.status, created.body).toBe(200);
    expect(created.json.result.data.accountId).toBe(alice.savings);
  });
});
