/**
 * A loopback proxy in front of the real EHRbase: it can slow every request down (to test the
 * wall-clock budget against a slow server) and it records every composition write, so a test can
 * prove that no note was sent twice. Nothing is faked: every request is forwarded to EHRbase.
 */

export interface CompositionWrite {
  method: string;
  /** The EHR the composition was written to (one EHR per test patient). */
  ehrId: string;
}

export interface EhrbaseProxy {
  /** Base URL to give the handler instead of EHRbase's own. */
  url: string;
  writes: CompositionWrite[];
  setDelayMs(ms: number): void;
  close(): Promise<void>;
}

const COMPOSITION_WRITE = /\/ehr\/([^/]+)\/composition(?:\/|$|\?)/;

export function startEhrbaseProxy(targetBaseUrl: string): Promise<EhrbaseProxy> {
  const target = new URL(targetBaseUrl);
  const writes: CompositionWrite[] = [];
  let delayMs = 0;
  const controller = new AbortController();
  return new Promise((resolve) => {
    const server = Deno.serve(
      {
        hostname: "127.0.0.1",
        port: 0,
        signal: controller.signal,
        onListen: ({ port }) =>
          resolve({
            url: `http://127.0.0.1:${port}${target.pathname.replace(/\/+$/, "")}`,
            writes,
            setDelayMs: (ms) => {
              delayMs = ms;
            },
            close: async () => {
              controller.abort();
              await server.finished;
            },
          }),
      },
      async (request) => {
        const incoming = new URL(request.url);
        const body =
          request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer();
        if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
        // A caller that gave up during the delay never reaches EHRbase, so it is not a write.
        if (request.signal.aborted) return new Response(null, { status: 499 });
        const write = COMPOSITION_WRITE.exec(incoming.pathname);
        if (write?.[1] && (request.method === "POST" || request.method === "PUT")) {
          writes.push({ method: request.method, ehrId: decodeURIComponent(write[1]) });
        }
        const upstream = new URL(incoming.pathname + incoming.search, target.origin);
        const headers = new Headers(request.headers);
        headers.delete("host");
        try {
          const response = await fetch(upstream, {
            method: request.method,
            headers,
            body,
            redirect: "manual",
          });
          return new Response(response.body, { status: response.status, headers: response.headers });
        } catch (error) {
          return new Response(`proxy could not reach EHRbase: ${(error as Error).message}`, { status: 502 });
        }
      },
    );
  });
}
