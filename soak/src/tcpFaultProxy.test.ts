import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startTcpFaultProxy, type TcpFaultProxy } from "./tcpFaultProxy";

/** The proxy's faults are what the soak's database faults claim to be. */

let upstream: net.Server | undefined;
let proxy: TcpFaultProxy | undefined;
/** Everything the upstream received, per connection. */
let received: string[] = [];
let upstreamSockets: net.Socket[] = [];

async function start() {
  received = [];
  upstreamSockets = [];
  upstream = net.createServer((socket) => {
    const index = received.push("") - 1;
    upstreamSockets.push(socket);
    socket.on("data", (chunk) => {
      received[index] += chunk.toString();
      socket.write(`echo:${chunk}`);
    });
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => upstream?.listen(0, "127.0.0.1", resolve));
  proxy = await startTcpFaultProxy({ host: "127.0.0.1", port: (upstream.address() as net.AddressInfo).port });
}

afterEach(async () => {
  await proxy?.close();
  for (const socket of upstreamSockets) socket.destroy();
  await new Promise<void>((resolve) => (upstream ? upstream.close(() => resolve()) : resolve()));
});

async function connect(): Promise<{ socket: net.Socket; heard: () => string; failure: Promise<string> }> {
  const socket = net.connect(proxy?.port ?? 0, "127.0.0.1");
  let heard = "";
  socket.on("data", (chunk) => {
    heard += chunk.toString();
  });
  const failure = new Promise<string>((resolve) => {
    socket.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "error"));
    socket.on("close", () => resolve("closed"));
  });
  await new Promise((resolve) => socket.once("connect", resolve));
  return { socket, heard: () => heard, failure };
}

const until = async (condition: () => boolean) => {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(condition()).toBe(true);
};
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A connection through the proxy, once `text` has gone up and its echo has come back. */
async function echoing(text: string) {
  const client = await connect();
  client.socket.write(text);
  await until(() => client.heard() === `echo:${text}`);
  return client;
}

describe("the TCP fault proxy", () => {
  it("passes bytes both ways", async () => {
    await start();
    await echoing("ping");
  });

  it("a reset is a RST at both ends, and new connections pass again", async () => {
    await start();
    const client = await echoing("a");
    expect(proxy?.resetAll()).toBe(1);
    expect(await client.failure).toBe("ECONNRESET");
    await echoing("b");
  });

  it("a blackhole passes nothing either way and closes nothing; healing delivers it all, in order", async () => {
    await start();
    const old = await echoing("1");
    proxy?.blackhole();
    old.socket.write("2");
    old.socket.write("3");
    const fresh = await connect(); // accepted, but not connected through
    fresh.socket.write("x");
    await pause(300);
    // Nothing arrived anywhere, and no connection was reset or closed.
    expect(received).toEqual(["1"]);
    expect(old.heard()).toBe("echo:1");
    expect(old.socket.destroyed || fresh.socket.destroyed).toBe(false);

    proxy?.heal();
    await until(() => received[0] === "123" && received[1] === "x");
    await until(() => old.heard().replaceAll("echo:", "") === "123" && fresh.heard() === "echo:x");
  });

  it("a connection the client closed during the blackhole reaches the upstream closed, after its last bytes", async () => {
    await start();
    const client = await connect();
    proxy?.blackhole();
    client.socket.end("last words");
    await pause(100);
    let upstreamClosed = false;
    upstreamSockets[0]?.on("end", () => {
      upstreamClosed = true;
    });
    expect(received).toEqual([""]);
    proxy?.heal();
    await until(() => received[0] === "last words" && upstreamClosed);
  });

  it("when the upstream refuses (PostgreSQL down), the client's connection is reset", async () => {
    await start();
    await new Promise<void>((resolve) => upstream?.close(() => resolve()));
    upstream = undefined;
    const client = await connect();
    expect(await client.failure).toBe("ECONNRESET");
    expect(proxy?.stats.refused).toBe(1);
  });
});
