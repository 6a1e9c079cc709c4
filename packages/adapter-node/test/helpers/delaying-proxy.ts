/**
 * A TCP proxy on 127.0.0.1 in front of EHRbase that makes requests slow or makes them hang, so a test
 * can be sure a job is in flight at a given moment without touching the shared server:
 *
 * - `delayMs`: every chunk from the client reaches EHRbase that much later (order kept per
 *   connection); answers come back at once. A request costs `delayMs` more.
 * - `swallowAnswerTo(pattern)`: the first answer to a request whose request line matches is never
 *   delivered, and from then on nothing more passes in either direction (the network died right
 *   after EHRbase did the work). The request itself reached EHRbase in full: its answer started.
 */
import net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

const REQUEST_LINE = /^(GET|HEAD|POST|PUT|DELETE|PATCH|OPTIONS) (\S+) HTTP\/1\.[01]\r\n/;

export class DelayingProxy {
  /** Added to every client → EHRbase chunk from now on. */
  delayMs = 0;
  /** Request lines ("GET /ehrbase/…") in the order the client sent them (before any delay). */
  readonly received: string[] = [];
  /** Request lines in the order they were passed on to EHRbase. */
  readonly forwarded: string[] = [];
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private frozen = false;
  private swallow: { pattern: RegExp; triggered: () => void } | undefined;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<number> {
    const server = net.createServer((client) => this.handle(client));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    this.server = server;
    this.port = (server.address() as net.AddressInfo).port;
    return this.port;
  }

  /**
   * Arms the trap; resolves (with the request line) once an answer to a matching request has been
   * swallowed and the proxy has frozen.
   */
  swallowAnswerTo(pattern: RegExp): Promise<string> {
    return new Promise((resolve) => {
      this.swallow = {
        pattern,
        triggered: () => resolve(this.forwarded.findLast((line) => pattern.test(line)) ?? ""),
      };
    });
  }

  async stop(): Promise<void> {
    this.frozen = true;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private handle(client: net.Socket): void {
    const upstream = net.connect(this.targetPort, this.targetHost);
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
      s.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    // The request line of the request whose answer this connection is waiting for.
    let lastRequest = "";
    let chain = Promise.resolve();
    client.on("data", (chunk: Buffer) => {
      const due = Date.now() + this.delayMs;
      const line = REQUEST_LINE.exec(chunk.toString("latin1", 0, Math.min(chunk.length, 2048)));
      const request = line ? `${line[1]} ${line[2]}` : undefined;
      if (request) this.received.push(request);
      chain = chain.then(async () => {
        const wait = due - Date.now();
        if (wait > 0) await sleep(wait);
        if (this.frozen || upstream.destroyed) return;
        if (request) {
          lastRequest = request;
          this.forwarded.push(request);
        }
        upstream.write(chunk);
      });
    });
    client.on("end", () => {
      chain = chain.then(() => {
        if (!this.frozen) upstream.end();
      });
    });
    upstream.on("data", (chunk: Buffer) => {
      if (this.frozen) return;
      const swallow = this.swallow;
      if (swallow?.pattern.test(lastRequest)) {
        this.swallow = undefined;
        this.frozen = true;
        swallow.triggered();
        return;
      }
      client.write(chunk);
    });
    upstream.on("end", () => {
      if (!this.frozen) client.end();
    });
  }
}
