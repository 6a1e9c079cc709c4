/**
 * An HTTP proxy on 127.0.0.1 in front of EHRbase that, while `dropCredentials` is on, forwards every
 * request without its Authorization header: the real EHRbase then answers 401 itself, as it does for a
 * rotated password. Counts the requests it forwards, so a test can tell how hard a worker probes.
 */
import http from "node:http";

export class CredentialDroppingProxy {
  dropCredentials = false;
  /** Requests forwarded while credentials were being dropped, and in all. */
  forwardedWithout = 0;
  forwarded = 0;
  private server: http.Server | undefined;
  port = 0;

  constructor(private readonly target: URL) {}

  async start(): Promise<number> {
    const server = http.createServer((req, res) => {
      const headers = { ...req.headers, host: this.target.host };
      if (this.dropCredentials) {
        delete headers.authorization;
        this.forwardedWithout += 1;
      }
      this.forwarded += 1;
      const upstream = http.request(
        { host: this.target.hostname, port: this.target.port, method: req.method, path: req.url, headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on("error", () => res.destroy());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    this.server = server;
    this.port = (server.address() as { port: number }).port;
    return this.port;
  }

  /** The EHRbase base URL through this proxy (same path as the target's). */
  baseUrl(): string {
    return `http://127.0.0.1:${this.port}${this.target.pathname.replace(/\/+$/, "")}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    server?.closeAllConnections();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
