/**
 * `ehr-sync dashboard`: a small operations page over the ehr_sync queue, served by node:http on
 * 127.0.0.1 by default. Counts, the oldest undelivered note, deliveries and sign→synced latency, the
 * paused-destination banner, dead and retrying jobs with their reasons, one job's attempt log, and a
 * requeue that is audited in that log. See dashboard-auth.ts for who may see and change what.
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { hostname } from "node:os";
import pg from "pg";
import type { Logger } from "../logger.js";
import type { Db } from "../store/db.js";
import { DASHBOARD_SCRIPT } from "./assets/app-script.js";
import { DASHBOARD_CSS, dashboardHtml } from "./assets/page.js";
import { DashboardAuth, type Identity, randomSecret, sameOrigin } from "./dashboard-auth.js";
import {
  PROBLEM_STATES,
  type ProblemState,
  readDeliverySeries,
  readJobTimeline,
  readOverview,
  readProblemJobs,
  requeueDeadAudited,
} from "./dashboard-queries.js";

export interface DashboardOptions {
  /** The database holding the ehr_sync schema (a Supabase project's too); or pass `db`. */
  connectionString?: string;
  /** Run the dashboard's statements on this pool instead (e.g. the worker's). */
  db?: Db;
  /** Default 8090; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. Put a TLS-terminating proxy in front before binding anything wider. */
  host?: string;
  /** Bearer token (at least 16 characters); a random one when not given (then only login links work). */
  token?: string;
  /**
   * A header set by your auth proxy naming the signed-in user (e.g. x-forwarded-user); its value is
   * written as the worker of the requeue's attempt-log row. Only set this when a proxy always sets it.
   */
  actorHeader?: string;
  /** How often the page refreshes its counts and lists (default 5000 ms). */
  refreshMs?: number;
  /** Hours of delivery history in the charts (default 3). */
  hours?: number;
  logger?: Logger;
}

export interface Dashboard {
  readonly url: string;
  readonly port: number;
  /** The bearer token (the configured one, or the random one made at start). */
  readonly token: string;
  /** A fresh one-time login link (valid once, for 10 minutes). */
  loginLink(): string;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};

const LOGIN_FORM = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>ehr-sync dashboard: sign in</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 34rem; margin: 3rem auto">
<h1>ehr-sync dashboard</h1>
<p>Open the one-time login link that <code>ehr-sync dashboard</code> printed, or paste the dashboard token
(<code>EHR_SYNC_DASHBOARD_TOKEN</code>):</p>
<form method="post" action="login"><input type="password" name="token" autocomplete="off" size="40" aria-label="token">
<button type="submit">Sign in</button></form></body></html>`;

const UNAUTHORISED_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>401</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 34rem; margin: 3rem auto">
<h1>Sign in first</h1><p>This dashboard needs its token: <a href="login">sign in</a>.</p></body></html>`;

async function readBody(req: IncomingMessage, limit = 16_384): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, "request body too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  extra: Record<string, string> = {},
) {
  res.writeHead(status, { ...SECURITY_HEADERS, "content-type": type, ...extra }).end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown) {
  send(res, status, "application/json; charset=utf-8", JSON.stringify(value));
}

function parseStates(value: string | null): ProblemState[] {
  if (!value) return [...PROBLEM_STATES];
  const states = value.split(",");
  for (const s of states) {
    if (!(PROBLEM_STATES as readonly string[]).includes(s)) {
      throw new HttpError(400, `states: expected ${PROBLEM_STATES.join(" or ")}, got ${JSON.stringify(s)}`);
    }
  }
  return states as ProblemState[];
}

function parseRequeue(body: string): string[] | null {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new HttpError(400, "body: expected JSON");
  }
  const v = value as { ids?: unknown; all?: unknown };
  if (v?.all === true && v.ids === undefined) return null;
  if (
    Array.isArray(v?.ids) &&
    v.ids.length > 0 &&
    v.ids.length <= 1000 &&
    v.ids.every((id) => typeof id === "string" && /^\d{1,18}$/.test(id))
  ) {
    return v.ids as string[];
  }
  throw new HttpError(400, 'body: expected {"ids": ["<job id>", …]} (1 to 1000 ids) or {"all": true}');
}

function actorName(req: IncomingMessage, identity: Identity, actorHeader: string | undefined): string {
  const base = `dashboard@${hostname()}`;
  const named = actorHeader ? req.headers[actorHeader.toLowerCase()] : undefined;
  if (typeof named === "string" && /^[\w.@+-]{1,64}$/.test(named)) return `${base}:${named}`;
  return `${base}:${identity.kind}`;
}

export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  if (!options.db && !options.connectionString) {
    throw new TypeError("startDashboard: connectionString or db is required");
  }
  const ownPool =
    options.db === undefined
      ? new pg.Pool({
          connectionString: options.connectionString,
          max: 3,
          application_name: "ehr-sync-dashboard",
          statement_timeout: 10_000,
          connectionTimeoutMillis: 5_000,
        })
      : undefined;
  ownPool?.on("error", (error) =>
    options.logger?.warn({ event: "dashboard_pool_client_lost", code: (error as { code?: string }).code }),
  );
  const db: Db = options.db ?? (ownPool as pg.Pool);
  const token = options.token ?? randomSecret();
  const auth = new DashboardAuth(token);
  const refreshMs = options.refreshMs ?? 5_000;
  const hours = options.hours ?? 3;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://dashboard.invalid");
    const path = url.pathname;
    const secure = req.headers["x-forwarded-proto"] === "https";

    if (path === "/login") {
      if (req.method === "GET" && url.searchParams.has("code")) {
        const session = auth.redeemLoginCode(url.searchParams.get("code") ?? "");
        if (!session) return send(res, 401, "text/html; charset=utf-8", LOGIN_FORM);
        // Redirect so the spent code leaves the address bar.
        res.writeHead(303, {
          ...SECURITY_HEADERS,
          location: "./",
          "set-cookie": auth.sessionCookie(session, secure),
        });
        return res.end();
      }
      if (req.method === "GET") return send(res, 200, "text/html; charset=utf-8", LOGIN_FORM);
      if (req.method === "POST") {
        if (!sameOrigin(req)) throw new HttpError(403, "cross-site sign-in refused");
        const session = auth.sessionForToken(new URLSearchParams(await readBody(req)).get("token") ?? "");
        if (!session) return send(res, 401, "text/html; charset=utf-8", LOGIN_FORM);
        res.writeHead(303, {
          ...SECURITY_HEADERS,
          location: "./",
          "set-cookie": auth.sessionCookie(session, secure),
        });
        return res.end();
      }
      throw new HttpError(405, "method not allowed");
    }

    const identity = auth.authenticate(req);
    if (!identity) {
      if (path.startsWith("/api/")) return sendJson(res, 401, { error: "missing or wrong token" });
      return send(res, 401, "text/html; charset=utf-8", UNAUTHORISED_PAGE);
    }

    if (req.method === "POST") {
      if (!auth.allowsChange(req, identity)) throw new HttpError(403, "CSRF check failed: reload the page");
      if (path !== "/api/requeue") throw new HttpError(404, "not found");
      const ids = parseRequeue(await readBody(req));
      const requeued = await requeueDeadAudited(db, ids, actorName(req, identity, options.actorHeader));
      options.logger?.info({ event: "dashboard_requeue", requested: ids?.length ?? "all", requeued });
      return sendJson(res, 200, { requeued });
    }
    if (req.method !== "GET") throw new HttpError(405, "method not allowed");

    switch (path) {
      case "/":
        return send(
          res,
          200,
          "text/html; charset=utf-8",
          dashboardHtml({ csrfToken: auth.csrfToken(identity), refreshMs, hours }),
        );
      case "/app.js":
        return send(res, 200, "text/javascript; charset=utf-8", DASHBOARD_SCRIPT);
      case "/app.css":
        return send(res, 200, "text/css; charset=utf-8", DASHBOARD_CSS);
      case "/api/overview":
        return sendJson(res, 200, await readOverview(db));
      case "/api/series": {
        const h = Number(url.searchParams.get("hours") ?? hours);
        if (!Number.isInteger(h) || h < 1 || h > 48)
          throw new HttpError(400, "hours: an integer from 1 to 48");
        return sendJson(res, 200, { hours: h, buckets: await readDeliverySeries(db, h) });
      }
      case "/api/jobs": {
        const errorClass = url.searchParams.get("errorClass") || undefined;
        const states = parseStates(url.searchParams.get("states"));
        return sendJson(res, 200, await readProblemJobs(db, { states, errorClass, limit: 200 }));
      }
    }
    const jobMatch = /^\/api\/jobs\/(\d{1,18})$/.exec(path);
    if (jobMatch) {
      const timeline = await readJobTimeline(db, jobMatch[1] as string);
      if (!timeline) throw new HttpError(404, "no such job");
      return sendJson(res, 200, timeline);
    }
    throw new HttpError(404, "not found");
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (error instanceof HttpError) {
        if (!res.headersSent) sendJson(res, error.status, { error: error.message });
        return;
      }
      // Database errors can quote values; the page gets a generic answer, the log the error code.
      options.logger?.error({ event: "dashboard_request_failed", code: (error as { code?: string }).code });
      if (!res.headersSent) sendJson(res, 503, { error: "the database did not answer; try again" });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 8090, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const hostForUrl = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const base = `http://${hostForUrl}:${address.port}/`;
  return {
    url: base,
    port: address.port,
    token,
    loginLink: () => `${base}login?code=${auth.issueLoginCode()}`,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await ownPool?.end();
    },
  };
}
