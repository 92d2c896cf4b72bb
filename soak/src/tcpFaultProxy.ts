import net from "node:net";

export interface TcpFaultProxyStats {
  connections: number;
  /** Connections reset (RST to both ends). */
  reset: number;
  /** Connections that were open, or opened, while blackholed. */
  blackholed: number;
  /** Connections whose upstream refused (PostgreSQL down): the client's is reset. */
  refused: number;
}

export interface TcpFaultProxy {
  port: number;
  stats: TcpFaultProxyStats;
  /** Resets every open connection at both ends (RST, not FIN). New connections pass as usual. */
  resetAll: () => number;
  /**
   * Nothing passes any more, either way, on any connection, old or new: no RST, no FIN, no
   * error, just silence (the proxy stops reading, so the senders' writes pile up in their
   * kernels and then block, as when packets are dropped). New connections are accepted but
   * not connected upstream. Timeouts on both sides run out meanwhile.
   */
  blackhole: () => void;
  /**
   * The network heals: what the ends sent meanwhile is delivered, in order (TCP retransmits
   * once packets get through), closes included. Late statements reach PostgreSQL, and late
   * answers and errors (statement timeouts, terminated sessions) reach the API.
   */
  heal: () => void;
  close: () => Promise<void>;
}

/**
 * A TCP proxy between the API instances and PostgreSQL (loopback only) that injects the
 * network's faults: connection resets and blackholes. Their DATABASE_URL names the proxy.
 */
export async function startTcpFaultProxy(upstream: { host: string; port: number }): Promise<TcpFaultProxy> {
  const links = new Set<Link>();
  let dark = false;
  const stats: TcpFaultProxyStats = { connections: 0, reset: 0, blackholed: 0, refused: 0 };

  class Link {
    upstream: net.Socket | null = null;
    /** An end failed while blackholed: the other end hears of it only once the network heals. */
    private failedInTheDark = false;
    constructor(readonly client: net.Socket) {
      client.on("error", () => {
        if (dark) this.failedInTheDark = true;
        else this.destroy();
      });
      client.on("close", () => this.closed(client));
      if (dark) {
        stats.blackholed++;
        client.pause();
      } else {
        this.connect();
      }
    }

    connect() {
      const server = net.connect(upstream.port, upstream.host);
      this.upstream = server;
      server.on("error", (error: NodeJS.ErrnoException) => {
        if (error.code === "ECONNREFUSED") stats.refused++;
        // PostgreSQL went away (killed, refusing): so does the client's connection, abruptly.
        if (!this.client.destroyed) this.client.resetAndDestroy();
        this.destroy();
      });
      server.on("close", () => this.closed(server));
      relay(this.client, server);
      relay(server, this.client);
    }

    /** One end closed: once it is done, so is the other (a FIN after its last data). */
    closed(end: net.Socket) {
      if (dark) {
        this.failedInTheDark = true;
        return;
      }
      const other = end === this.client ? this.upstream : this.client;
      if (other && !other.destroyed) other.end();
      if (this.client.destroyed && (this.upstream === null || this.upstream.destroyed)) links.delete(this);
    }

    pause() {
      stats.blackholed++;
      this.client.pause();
      this.upstream?.pause();
    }

    resume() {
      if (this.failedInTheDark) return this.destroy();
      if (!this.upstream && !this.client.destroyed) this.connect();
      this.client.resume();
      this.upstream?.resume();
    }

    reset() {
      if (!this.client.destroyed) this.client.resetAndDestroy();
      if (this.upstream && !this.upstream.destroyed) this.upstream.resetAndDestroy();
      links.delete(this);
    }

    destroy() {
      this.client.destroy();
      this.upstream?.destroy();
      links.delete(this);
    }
  }

  /** Copies `from` to `to`, with backpressure; stops reading while blackholed. */
  function relay(from: net.Socket, to: net.Socket) {
    from.on("data", (chunk: Buffer) => {
      if (!to.write(chunk)) from.pause();
    });
    to.on("drain", () => {
      if (!dark) from.resume();
    });
    from.on("end", () => to.end());
  }

  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    stats.connections++;
    links.add(new Link(client));
  });
  server.on("error", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));

  return {
    port: (server.address() as net.AddressInfo).port,
    stats,
    resetAll: () => {
      const count = links.size;
      for (const link of [...links]) link.reset();
      stats.reset += count;
      return count;
    },
    blackhole: () => {
      dark = true;
      for (const link of links) link.pause();
    },
    heal: () => {
      dark = false;
      for (const link of [...links]) link.resume();
    },
    close: async () => {
      for (const link of [...links]) link.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
