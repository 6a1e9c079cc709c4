/**
 * Faults the real EHRbase cannot produce on demand (timeouts, resets, 503/429 with Retry-After, slow
 * bodies, token expiry) against a local HTTP server. Assertions count the requests that arrived.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  EhrbaseClient,
  EhrbaseNetworkError,
  EhrbaseServerError,
  EhrbaseTimeoutError,
  EhrbaseUnauthorizedError,
  EhrbaseUnexpectedStatusError,
  parseRetryAfterMs,
} from "../src/index.js";

type Handler = (req: IncomingMessage, res: ServerResponse, hit: number) => void;

let server: Server | undefined;
let hits: { method: string; url: string; authorization?: string; requestId?: string }[] = [];

async function serve(handler: Handler): Promise<string> {
  hits = [];
  server = createServer((req, res) => {
    hits.push({
      method: req.method ?? "",
      url: req.url ?? "",
      authorization: req.headers.authorization,
      requestId: req.headers["x-request-id"] as string | undefined,
    });
    req.resume();
    handler(req, res, hits.length);
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/ehrbase`;
}

afterEach(async () => {
  const current = server;
  server = undefined;
  if (!current) return;
  current.closeAllConnections();
  await new Promise((resolve) => current.close(resolve));
});

/** Lets pending I/O callbacks and promise jobs run (setImmediate is never faked here). */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Settles repeatedly until the condition holds: waits for an event, never for a span of time. */
async function until(condition: () => boolean): Promise<void> {
  for (let turn = 0; !condition(); turn++) {
    if (turn > 100_000) throw new Error("the awaited event never happened");
    await settle();
  }
}

const EHR_BODY = JSON.stringify({
  system_id: { value: "test.node" },
  ehr_id: { value: "7d44b88c-4199-4bad-97dc-d78268e01398" },
  time_created: { value: "2026-01-01T00:00:00Z" },
  ehr_status: { id: { value: "x" }, namespace: "local", type: "EHR_STATUS" },
});

function fastClient(baseUrl: string, extra: Partial<ConstructorParameters<typeof EhrbaseClient>[0]> = {}) {
  return new EhrbaseClient({
    baseUrl,
    timeoutMs: 300,
    retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 200 },
    ...extra,
  });
}

describe("retries of safe calls", () => {
  it("retries a GET after 503 with Retry-After and succeeds", async () => {
    const url = await serve((_req, res, hit) => {
      if (hit === 1) {
        res.writeHead(503, { "retry-after": "0" }).end();
      } else {
        res.writeHead(200, { "content-type": "application/json" }).end(EHR_BODY);
      }
    });
    const ehr = await fastClient(url).ehrs.get("7d44b88c-4199-4bad-97dc-d78268e01398");
    expect(ehr?.ehr_id.value).toBe("7d44b88c-4199-4bad-97dc-d78268e01398");
    expect(hits.map((h) => h.method)).toEqual(["GET", "GET"]);
  });

  it("waits as long as Retry-After asks before retrying a GET", async () => {
    const url = await serve((_req, res, hit) => {
      if (hit === 1) res.writeHead(503, { "retry-after": "1" }).end();
      else res.writeHead(200, { "content-type": "application/json" }).end(EHR_BODY);
    });
    // A fetch that reads the whole answer before handing it over, so that once it has returned only
    // the client's own code runs until it schedules the retry. `started` counts requests begun.
    let started = 0;
    let answered = 0;
    const buffered: typeof fetch = async (input, init) => {
      started++;
      const response = await fetch(input, init);
      const body = await response.text();
      answered++;
      return new Response(body, { status: response.status, headers: response.headers });
    };
    // The client's clock is faked (setTimeout), so the wait is measured in the client's own time.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const result = fastClient(url, {
        fetch: buffered,
        timeoutMs: 60_000,
        retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 5_000 },
      }).ehrs.get("x");
      await until(() => answered === 1);
      // The backoff alone would be 10 ms: at 999 ms the retry must not have started yet.
      await vi.advanceTimersByTimeAsync(999);
      await settle();
      expect(started).toBe(1);
      await vi.advanceTimersByTimeAsync(1);
      await until(() => started === 2);
      vi.useRealTimers();
      const ehr = await result;
      expect(ehr?.system_id.value).toBe("test.node");
      expect(hits.length).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it("caps a huge Retry-After at maxDelayMs instead of stalling", async () => {
    const url = await serve((_req, res, hit) => {
      if (hit === 1) res.writeHead(503, { "retry-after": "3600" }).end();
      else res.writeHead(200, { "content-type": "application/json" }).end(EHR_BODY);
    });
    const ehr = await fastClient(url, {
      retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 50 },
    }).ehrs.get("x");
    expect(ehr?.system_id.value).toBe("test.node");
    expect(hits.length).toBe(2);
  });

  it("retries 429 and gives up after maxAttempts with a retryable error", async () => {
    const url = await serve((_req, res) => res.writeHead(429, { "retry-after": "0" }).end());
    const error = await fastClient(url)
      .ehrs.get("x")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EhrbaseUnexpectedStatusError);
    expect((error as EhrbaseUnexpectedStatusError).retryable).toBe(true);
    expect(hits.length).toBe(3);
  });

  it("never retries a POST, even on 503", async () => {
    const url = await serve((_req, res) => res.writeHead(503, { "retry-after": "7" }).end());
    const error = await fastClient(url)
      .compositions.create("ehr", { "a/b": 1 }, { format: "FLAT", templateId: "t" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EhrbaseServerError);
    expect((error as EhrbaseServerError).retryable).toBe(true);
    // The queue, not the client, decides when to try again; it gets the server's wish.
    expect((error as EhrbaseServerError).retryAfterMs).toBe(7000);
    expect(hits.length).toBe(1);
  });

  it("honours Retry-After in seconds and as a date, capped by maxDelayMs", () => {
    expect(parseRetryAfterMs("3")).toBe(3000);
    expect(parseRetryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfterMs("soon")).toBeUndefined();
  });
});

describe("timeouts", () => {
  it("times out a GET that never answers, retrying it, and says the request was sent", async () => {
    const url = await serve(() => {
      /* never answer */
    });
    const error = await fastClient(url)
      .ehrs.get("x")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EhrbaseTimeoutError);
    expect((error as EhrbaseTimeoutError).requestSent).toBe(true);
    expect(hits.length).toBe(3);
  });

  it("times out a body that stalls halfway (slow body), and does not retry a POST", async () => {
    const url = await serve((_req, res) => {
      res.writeHead(201, { "content-type": "application/json", etag: '"a::b::1"' });
      res.write('{"partial":');
    });
    const error = await fastClient(url)
      .compositions.create(
        "ehr",
        { "a/b": 1 },
        { format: "FLAT", templateId: "t", returnRepresentation: true },
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EhrbaseTimeoutError);
    expect(hits.length).toBe(1);
  });
});

describe("connection faults", () => {
  it("reports a reset connection as a network error after sending", async () => {
    const url = await serve((req) => req.socket.destroy());
    const error = await fastClient(url)
      .compositions.create("ehr", { "a/b": 1 }, { format: "FLAT", templateId: "t" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EhrbaseNetworkError);
    expect((error as EhrbaseNetworkError).requestSent).toBe(true);
    expect(hits.length).toBe(1);
  });

  it("reports a refused connection as not sent", async () => {
    const url = await serve(() => {});
    const port = (server!.address() as AddressInfo).port;
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
    const error = await fastClient(url.replace(String(port), String(port)))
      .compositions.create("ehr", { "a/b": 1 }, { format: "FLAT", templateId: "t" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EhrbaseNetworkError);
    expect((error as EhrbaseNetworkError).requestSent).toBe(false);
  });
});

describe("headers and auth", () => {
  it("sends a request id, a user agent and the configured bearer token", async () => {
    let agent: string | undefined;
    const url = await serve((req, res) => {
      agent = req.headers["user-agent"];
      res.writeHead(200, { "content-type": "application/json" }).end(EHR_BODY);
    });
    await fastClient(url, {
      auth: { type: "bearer", token: "t0k" },
      userAgent: "my-app/1.0",
      requestId: () => "req-1",
    }).ehrs.get("x");
    expect(hits[0]).toMatchObject({ authorization: "Bearer t0k", requestId: "req-1" });
    expect(agent).toBe("my-app/1.0");
  });

  it("OAuth2 client credentials: caches the token, refreshes before expiry and once after a 401", async () => {
    let tokens = 0;
    let clock = 0;
    const url = await serve((req, res) => {
      if (req.url?.startsWith("/token")) {
        tokens++;
        res
          .writeHead(200, { "content-type": "application/json" })
          .end(JSON.stringify({ access_token: `tok${tokens}`, expires_in: 60 }));
        return;
      }
      // The server revokes tok2 early: the client must fetch tok3 once and repeat the call.
      if (req.headers.authorization === "Bearer tok2") {
        res.writeHead(401).end();
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end(EHR_BODY);
    });
    const origin = new URL(url).origin;
    const client = fastClient(url, {
      auth: {
        type: "oauth2-client-credentials",
        tokenUrl: `${origin}/token`,
        clientId: "c",
        clientSecret: "s",
        refreshSkewMs: 10_000,
      },
    });
    const realNow = Date.now;
    Date.now = () => realNow() + clock;
    try {
      await Promise.all([client.ehrs.get("a"), client.ehrs.get("b")]);
      expect(tokens).toBe(1);
      clock = 55_000; // within the refresh skew of the 60 s lifetime
      await client.ehrs.get("c");
      // tok2 was fetched because tok1 neared expiry, refused with 401, and replaced by tok3 once.
      const apiCalls = hits.filter((h) => h.url.startsWith("/ehrbase")).map((h) => h.authorization);
      expect(apiCalls).toEqual(["Bearer tok1", "Bearer tok1", "Bearer tok2", "Bearer tok3"]);
      expect(tokens).toBe(3);
    } finally {
      Date.now = realNow;
    }
  });

  it("OAuth2: a refused token request is an unauthorized error that names neither the secret nor the provider's text", async () => {
    const url = await serve((req, res) => {
      if (req.url?.startsWith("/token")) {
        res
          .writeHead(401, { "content-type": "application/json" })
          .end('{"error":"invalid_client","client":"c"}');
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end(EHR_BODY);
    });
    const origin = new URL(url).origin;
    const error = await fastClient(url, {
      auth: {
        type: "oauth2-client-credentials",
        tokenUrl: `${origin}/token`,
        clientId: "c",
        clientSecret: "s3cr3t-value",
      },
    })
      .ehrs.get("x")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EhrbaseUnauthorizedError);
    expect((error as EhrbaseUnauthorizedError).path).toBe("/token");
    expect(String(error)).not.toContain("s3cr3t-value");
    expect(String(error)).not.toContain("invalid_client");
    expect(hits.filter((h) => h.url.startsWith("/ehrbase")).length).toBe(0);
  });
});
