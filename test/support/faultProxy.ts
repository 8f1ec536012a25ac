/**
 * A TCP proxy between a client (the operator) and the apiserver that injects network faults, for
 * the fault-injection suite. It relays bytes (TLS passes through untouched) and can:
 *  - pause():       hold every byte, on open and new connections, until resume() (a hiccup: the
 *                   data arrives late, nothing is lost);
 *  - reset():       kill every open connection with a TCP RST (new ones work);
 *  - stallOpen():   make every open connection silently dead: bytes are dropped, nothing is
 *                   closed, no RST (a stuck middlebox); new connections work;
 *  - stallAll(ms):  the same for every connection open now or opened during the next `ms` (a
 *                   node's network gone); after that, new connections work, the stalled stay dead;
 *  - slow(ms):      delay every byte towards the apiserver by `ms` (a slow link), until slow(0).
 * Listens on 127.0.0.1 only; everything it opened is closed by stop().
 */
import { connect, createServer, type Server, type Socket } from "node:net";

interface Relay {
  client: Socket;
  upstream: Socket;
  /** Bytes dropped both ways from now on; the sockets stay open. */
  dead: boolean;
}

export class FaultProxy {
  private server: Server | undefined;
  private readonly relays = new Set<Relay>();
  private paused = false;
  private readonly held: Array<() => void> = [];
  private stallUntil = 0;
  private delayMs = 0;
  port = 0;

  constructor(
    private readonly upstreamHost: string,
    private readonly upstreamPort: number,
  ) {}

  async start(): Promise<void> {
    const server = createServer((client) => this.accept(client));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.port = (server.address() as { port: number }).port;
  }

  /** Connections relayed now (dead ones included). */
  openConnections(): number {
    return this.relays.size;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    for (const release of this.held.splice(0)) release();
  }

  reset(): void {
    for (const r of [...this.relays]) {
      r.client.resetAndDestroy();
      r.upstream.resetAndDestroy();
      this.relays.delete(r);
    }
  }

  stallOpen(): void {
    for (const r of this.relays) r.dead = true;
  }

  stallAll(ms: number): void {
    this.stallOpen();
    this.stallUntil = Date.now() + ms;
  }

  slow(ms: number): void {
    this.delayMs = ms;
  }

  async stop(): Promise<void> {
    this.resume();
    for (const r of [...this.relays]) {
      r.client.destroy();
      r.upstream.destroy();
    }
    this.relays.clear();
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    const upstream = connect(this.upstreamPort, this.upstreamHost);
    const relay: Relay = { client, upstream, dead: Date.now() < this.stallUntil };
    this.relays.add(relay);
    const close = (): void => {
      if (!this.relays.delete(relay)) return;
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) {
      s.on("error", close);
      s.on("close", close);
    }
    // In order per direction: a chunk leaves no sooner than the one before it.
    let lastUp = 0;
    client.on("data", (chunk: Buffer) => {
      const at = Math.max(Date.now() + this.delayMs, lastUp);
      lastUp = at;
      this.forward(relay, upstream, chunk, at - Date.now());
    });
    upstream.on("data", (chunk: Buffer) => this.forward(relay, client, chunk, 0));
  }

  private forward(relay: Relay, to: Socket, chunk: Buffer, delayMs: number): void {
    const send = (): void => {
      if (relay.dead || to.destroyed) return;
      if (this.paused) {
        this.held.push(send);
        return;
      }
      to.write(chunk);
    };
    if (relay.dead) return;
    if (delayMs > 0) setTimeout(send, delayMs);
    else send();
  }
}
