/**
 * The operations dashboard in headless Chromium, against real PostgreSQL and a real EHRbase: a dead
 * note shows with its reason; after its cause is fixed, requeue (one, then all) makes it complete and
 * the page says so; a paused destination shows the banner; a missing or wrong token gets 401; and
 * nothing the server sends carries the test notes' text or patient ids. The run also takes the
 * README's screenshot (docs/dashboard.png).
 */
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { basicAuthHeader, ehrbaseTestConfig, requireEhrbase } from "@ehr-sync/testkit";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../src/cli-commands.js";
import { type Dashboard, startDashboard } from "../src/dashboard/dashboard-server.js";
import { createWorker } from "../src/worker.js";
import {
  compositionsByNoteId,
  ehrbaseClient,
  ehrbaseOptions,
  insertNotes,
  migratedDatabase,
  sampleNoteRow,
  type TestBed,
} from "./helpers/bed.js";
import { launchChromium } from "./helpers/browser.js";

const TOKEN = `test-token-${randomUUID()}`;
const SCREENSHOT = fileURLToPath(new URL("../docs/dashboard.png", import.meta.url));

let bed: TestBed;
let dashboard: Dashboard;
let browser: Browser;
/** Every body the server sent to the browser, for the patient-data check at the end. */
const served: { url: string; body: string }[] = [];
/** Every note the tests signed: their texts and identifiers must never be served. */
const signed: Record<string, unknown>[] = [];
/** Script errors and console errors of every page: there must be none. */
const pageErrors: string[] = [];
/** The random mark inside each of those notes' texts (catches a text that was cut short, too). */
const marks: string[] = [];

/** A note with text and identifiers unique to this run, so finding them anywhere means a leak. */
function uniqueNote(patientId: string): Record<string, unknown> {
  const mark = randomUUID();
  const row = sampleNoteRow(patientId, {
    subjective: `Sore throat for three days, worse at night ${mark}-S.`,
    objective: `Mild pharyngeal erythema on video ${mark}-O.`,
    assessment: `Viral pharyngitis ${mark}-A.`,
    plan: `Fluids and rest ${mark}-P.`,
    provider_name: `Dr. Marta Okafor ${mark}`,
    encounter_id: `enc-${mark}`,
  });
  marks.push(mark);
  signed.push(row);
  return row;
}

async function sign(patientId: string): Promise<string> {
  const [id] = await insertNotes(bed.pool, [uniqueNote(patientId)]);
  return id as string;
}

async function jobOf(noteId: string): Promise<{ id: string; state: string; ehr_id: string | null }> {
  const result = await bed.pool.query(
    "select id::text, state, ehr_id::text from ehr_sync.queue where note_id = $1",
    [noteId],
  );
  return result.rows[0];
}

/** Sets EHR_STATUS.is_modifiable on the real EHRbase: false makes every composition POST a 409. */
async function setModifiable(ehrId: string, modifiable: boolean): Promise<void> {
  const config = ehrbaseTestConfig();
  const headers = {
    authorization: basicAuthHeader(config.user, config.password),
    accept: "application/json",
  };
  const current = await fetch(`${config.restUrl}/ehr/${ehrId}/ehr_status`, { headers });
  if (!current.ok) throw new Error(`GET ehr_status: HTTP ${current.status}`);
  const status = (await current.json()) as { uid: { value: string }; is_modifiable: boolean };
  status.is_modifiable = modifiable;
  const put = await fetch(`${config.restUrl}/ehr/${ehrId}/ehr_status`, {
    method: "PUT",
    headers: { ...headers, "content-type": "application/json", "if-match": status.uid.value },
    body: JSON.stringify(status),
  });
  if (!put.ok) throw new Error(`PUT ehr_status: HTTP ${put.status} ${await put.text()}`);
}

function worker(overrides: Partial<Parameters<typeof createWorker>[0]> = {}) {
  return createWorker({
    connectionString: bed.url,
    ehrbase: ehrbaseOptions(),
    concurrency: 2,
    pollIntervalMs: 200,
    ...overrides,
  });
}

/** A browser context signed in through a one-time login link, recording what the server sends. */
async function signedInPage(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.on("response", (response) => {
    if (response.status() >= 300 && response.status() < 400) return;
    void response.text().then(
      (body) => served.push({ url: response.url(), body }),
      (error: unknown) => served.push({ url: response.url(), body: `unreadable: ${String(error)}` }),
    );
  });
  const page = await context.newPage();
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") pageErrors.push(message.text());
  });
  const response = await page.goto(dashboard.loginLink());
  expect(response?.status()).toBe(200);
  expect(page.url()).toBe(dashboard.url);
  return { context, page };
}

function row(page: Page, jobId: string) {
  return page.locator(`tr[data-job-id="${jobId}"]`);
}

beforeAll(async () => {
  await requireEhrbase();
  bed = await migratedDatabase("dashboard");
  dashboard = await startDashboard({ connectionString: bed.url, port: 0, token: TOKEN, refreshMs: 500 });
  browser = await launchChromium();
});

afterEach(() => {
  expect(pageErrors.splice(0), "errors in the page").toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
  await bed?.close();
});

describe("dashboard", () => {
  it("answers 401 to a missing or wrong token and to a spent login link", async () => {
    const get = (path: string, headers: Record<string, string> = {}) =>
      fetch(new URL(path, dashboard.url), { headers, redirect: "manual" });

    for (const path of ["/", "/app.js", "/api/overview", "/api/jobs", "/api/jobs/1", "/api/series"]) {
      expect((await get(path)).status, `${path} without a token`).toBe(401);
      expect((await get(path, { authorization: "Bearer not-the-token" })).status, `${path} wrong`).toBe(401);
      expect((await get(path, { cookie: "ehr_sync_dashboard=made-up" })).status, `${path} cookie`).toBe(401);
    }
    const posted = await fetch(new URL("/api/requeue", dashboard.url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ all: true }),
    });
    expect(posted.status).toBe(401);

    expect((await get("/api/overview", { authorization: `Bearer ${TOKEN}` })).status).toBe(200);

    const link = dashboard.loginLink();
    const first = await get(link);
    expect(first.status).toBe(303);
    const cookie = (first.headers.get("set-cookie") ?? "").split(";")[0] as string;
    expect(cookie).toMatch(/^ehr_sync_dashboard=/);
    expect((await get("/api/overview", { cookie })).status).toBe(200);
    expect((await get(link)).status, "a login link works once").toBe(401);

    // The browser too: no session, no page.
    const context = await browser.newContext();
    const page = await context.newPage();
    const response = await page.goto(dashboard.url);
    expect(response?.status()).toBe(401);
    await expect(page.locator("h1").textContent()).resolves.toBe("Sign in first");
    await context.close();
  });

  it("answers bad input with 400 naming the field, and requeues nothing", async () => {
    const bearer = { authorization: `Bearer ${TOKEN}` };
    const html = await (await fetch(dashboard.url, { headers: bearer })).text();
    const csrf = /name="csrf-token" content="([^"]+)"/.exec(html)?.[1] as string;
    expect(csrf).toBeDefined();
    const before = await bed.pool.query("select count(*)::int as n from ehr_sync.attempts");
    const cases: [string, RequestInit, RegExp][] = [
      ["/api/jobs?states=leased", {}, /^states: expected dead or retry_scheduled/],
      ["/api/series?hours=100", {}, /^hours: an integer from 1 to 48/],
      ["/api/requeue", { method: "POST", body: "{not json" }, /^body: expected JSON/],
      [
        "/api/requeue",
        { method: "POST", body: JSON.stringify({ ids: ["1; drop"] }) },
        /^body: expected \{"ids"/,
      ],
      ["/api/requeue", { method: "POST", body: JSON.stringify({ ids: [] }) }, /^body: expected \{"ids"/],
      ["/api/requeue", { method: "POST", body: JSON.stringify({}) }, /^body: expected \{"ids"/],
    ];
    for (const [path, init, message] of cases) {
      const response = await fetch(new URL(path, dashboard.url), {
        ...init,
        headers: { ...bearer, "content-type": "application/json", "x-csrf-token": csrf },
      });
      expect(response.status, path).toBe(400);
      expect(((await response.json()) as { error: string }).error).toMatch(message);
    }
    const missing = await fetch(new URL("/api/jobs/999999", dashboard.url), { headers: bearer });
    expect(missing.status).toBe(404);
    const after = await bed.pool.query("select count(*)::int as n from ehr_sync.attempts");
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it("shows a dead note with its reason; after the cause is fixed, requeue completes it", async () => {
    const patient = `pat-${randomUUID()}`;
    // A few deliveries for the chart, and the patient's EHR.
    const delivered = [
      await sign(patient),
      await sign(`pat-${randomUUID()}`),
      await sign(`pat-${randomUUID()}`),
    ];
    expect((await worker().runOnce()).succeeded).toBe(3);
    const ehrId = (await jobOf(delivered[0] as string)).ehr_id as string;
    expect(ehrId).toMatch(/^[0-9a-f-]{36}$/);

    // The cause: an operator froze the patient's EHR (is_modifiable=false), so EHRbase answers 409.
    await setModifiable(ehrId, false);
    const stuckNotes = [await sign(patient), await sign(patient)];
    expect((await worker().runOnce()).dead).toBe(2);
    const [one, other] = await Promise.all(stuckNotes.map(jobOf));
    expect([one?.state, other?.state]).toEqual(["dead", "dead"]);
    const oneId = one?.id as string;
    const otherId = other?.id as string;

    const { context, page } = await signedInPage();
    await row(page, oneId).waitFor({ timeout: 15_000 });
    await expect(row(page, oneId).textContent()).resolves.toContain("EHR does not allow modification");
    await expect(row(page, oneId).textContent()).resolves.toContain("http-409");
    await expect(page.getByTestId("count-dead").textContent()).resolves.toBe("2");
    await expect(page.getByTestId("paused-banner").isHidden()).resolves.toBe(true);

    // Filter by error class, then open the job's attempt log.
    await page.getByTestId("filter-class").selectOption("http-409");
    await page.waitForFunction(
      () => document.querySelectorAll('tr[data-testid="job-row"]').length === 2,
      undefined,
      { timeout: 10_000 },
    );
    await row(page, oneId).click();
    const timeline = page.getByTestId("timeline");
    await timeline.locator("tr").first().waitFor({ timeout: 10_000 });
    const log = await timeline.textContent();
    expect(log).toContain("create");
    expect(log).toContain("409");
    expect(log).toContain("permanent");
    await expect(page.getByTestId("detail-EHR-id").textContent()).resolves.toBe(ehrId);
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="chart-delivered"] rect').length > 0,
      undefined,
      { timeout: 40_000 },
    );
    mkdirSync(fileURLToPath(new URL("../docs/", import.meta.url)), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    // A POST without the page's CSRF token, or from another site, changes nothing.
    const [session] = await context.cookies();
    const cookie = `${session?.name}=${session?.value}`;
    const csrf = await page.locator('meta[name="csrf-token"]').getAttribute("content");
    const requeue = (headers: Record<string, string>) =>
      fetch(new URL("/api/requeue", dashboard.url), {
        method: "POST",
        headers: { "content-type": "application/json", cookie, ...headers },
        body: JSON.stringify({ all: true }),
      });
    expect((await requeue({})).status).toBe(403);
    expect((await requeue({ "x-csrf-token": "forged" })).status).toBe(403);
    expect((await requeue({ "x-csrf-token": csrf as string, origin: "https://evil.example" })).status).toBe(
      403,
    );
    expect((await requeue({ "x-csrf-token": csrf as string, "sec-fetch-site": "cross-site" })).status).toBe(
      403,
    );
    expect((await jobOf(stuckNotes[0] as string)).state).toBe("dead");

    // Fix the cause, run a worker, and requeue one job from the page.
    await setModifiable(ehrId, true);
    const running = worker();
    await running.start();
    try {
      await row(page, oneId).getByTestId("requeue").click();
      await page.getByTestId("detail-state").filter({ hasText: "succeeded" }).waitFor({ timeout: 30_000 });
      await page.getByTestId("detail-composition-uid").filter({ hasText: /::/ }).waitFor({ timeout: 10_000 });
      await expect(timeline.textContent()).resolves.toContain("requeued");
      await row(page, oneId).waitFor({ state: "detached", timeout: 10_000 });
      expect((await jobOf(stuckNotes[1] as string)).state).toBe("dead");

      // Then the rest with "Requeue all dead".
      page.once("dialog", (dialog) => void dialog.accept());
      await page.getByTestId("requeue-all").click();
      await page.getByTestId("count-dead").filter({ hasText: /^0$/ }).waitFor({ timeout: 30_000 });
      await running.drain(30_000);
      await page.getByTestId("no-jobs").waitFor({ state: "visible", timeout: 10_000 });
    } finally {
      await running.stop();
    }

    expect((await jobOf(stuckNotes[0] as string)).state).toBe("succeeded");
    expect((await jobOf(stuckNotes[1] as string)).state).toBe("succeeded");
    const audit = await bed.pool.query(
      `select job_id::text, worker_id from ehr_sync.attempts
        where action = 'requeue' and outcome = 'requeued' order by id`,
    );
    expect(audit.rows.map((r) => r.job_id)).toEqual([oneId, otherId]);
    expect(audit.rows[0].worker_id).toMatch(/^dashboard@.+:session$/);
    const stored = await compositionsByNoteId(await ehrbaseClient(), [ehrId], stuckNotes);
    expect(stuckNotes.map((id) => stored.get(id)?.length)).toEqual([1, 1]);
    await context.close();
  });

  it("shows the paused-destination banner with its reason and since when", async () => {
    await sign(`pat-${randomUUID()}`);
    const wrong = worker({ ehrbase: ehrbaseOptions({ password: "not-the-password" }) });
    expect((await wrong.runOnce()).paused).toBe(1);

    const { context, page } = await signedInPage();
    const banner = page.getByTestId("paused-banner");
    await banner.waitFor({ state: "visible", timeout: 15_000 });
    const text = (await banner.textContent()) ?? "";
    expect(text).toContain("Destination paused");
    expect(text).toContain("http-401");
    expect(text).toContain("EHRBASE_PASSWORD");
    // Since the pause began: ehr_sync.destination.paused_since, set with the first pause (just after the
    // first 401 was logged).
    const since = await bed.pool.query(
      `select d.paused_since as at, d.paused_since >= (select min(created_at) from ehr_sync.attempts
                                                       where error_class = 'http-401') as after_first_401
         from ehr_sync.destination d where d.id = 'default'`,
    );
    expect(since.rows[0].after_first_401).toBe(true);
    const overview = await (
      await fetch(new URL("/api/overview", dashboard.url), { headers: { authorization: `Bearer ${TOKEN}` } })
    ).json();
    expect(overview.destination).toMatchObject({ paused: true, reason: "http-401", consecutivePauses: 1 });
    expect(overview.destination.since).toBe((since.rows[0].at as Date).toISOString());
    await context.close();

    // Unpaused (a success would do this): the banner goes away.
    await bed.pool.query(
      "update ehr_sync.destination set paused_until = null, pause_reason = null, consecutive_pauses = 0",
    );
    const again = await signedInPage();
    await again.page.getByTestId("count-pending").filter({ hasText: /^\d+$/ }).waitFor({ timeout: 10_000 });
    await expect(again.page.getByTestId("paused-banner").isHidden()).resolves.toBe(true);
    await again.context.close();
  });

  it("is served by `ehr-sync dashboard` and by `ehr-sync worker --dashboard-port`", async () => {
    const config = ehrbaseTestConfig();
    const env = {
      ...process.env,
      DATABASE_URL: bed.url,
      EHRBASE_URL: config.baseUrl,
      EHRBASE_USER: config.user,
      EHRBASE_PASSWORD: config.password,
      EHR_SYNC_DASHBOARD_TOKEN: TOKEN,
    };
    for (const argv of [
      ["dashboard", "--port", "0"],
      ["worker", "--dashboard-port", "0", "--poll-ms", "200"],
    ]) {
      const lines: string[] = [];
      let stop: (signal: string) => void = () => {};
      const stopSignal = new Promise<string>((resolve) => {
        stop = resolve;
      });
      const exit = runCli(argv, { env, print: (line) => lines.push(line), stopSignal });
      for (let i = 0; i < 200 && !lines.some((l) => l.startsWith("sign in")); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const link = /(http:\/\/127\.0\.0\.1:\d+\/login\?code=\S+)$/m.exec(lines.join("\n"))?.[1];
      expect(link, `${argv[0]} printed: ${lines.join(" | ")}`).toBeDefined();
      expect(lines.join("\n")).not.toContain(TOKEN);
      const signIn = await fetch(link as string, { redirect: "manual" });
      expect(signIn.status).toBe(303);
      const cookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0] as string;
      const page = await fetch(new URL("/", link), { headers: { cookie } });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('name="csrf-token"');
      const overview = await fetch(new URL("/api/overview", link), {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(overview.status).toBe(200);
      stop("SIGTERM");
      await expect(exit).resolves.toBe(0);
      await expect(fetch(new URL("/api/overview", link))).rejects.toThrow();
    }
  });

  it("never serves the notes' text, names or patient ids", async () => {
    // Everything the browser received, plus every endpoint for every job there is.
    const bearer = { authorization: `Bearer ${TOKEN}` };
    const jobs = await bed.pool.query<{ id: string }>("select id::text from ehr_sync.queue order by id");
    const paths = [
      "/",
      "/app.js",
      "/app.css",
      "/api/overview",
      "/api/series?hours=3",
      "/api/jobs",
      "/api/jobs?states=dead",
      "/api/jobs?states=retry_scheduled",
      ...jobs.rows.map((j) => `/api/jobs/${j.id}`),
    ];
    for (const path of paths) {
      const response = await fetch(new URL(path, dashboard.url), { headers: bearer });
      expect(response.status, path).toBe(200);
      served.push({ url: path, body: await response.text() });
    }
    expect(jobs.rows.length).toBeGreaterThanOrEqual(6);
    expect(served.some((s) => s.body.includes('"compositionUid":"'))).toBe(true);

    const secrets = signed.flatMap((note) =>
      [
        "id",
        "patient_id",
        "subjective",
        "objective",
        "assessment",
        "plan",
        "provider_name",
        "encounter_id",
      ].map((field) => ({ field, value: String(note[field]) })),
    );
    for (const mark of marks) secrets.push({ field: "text mark", value: mark });
    expect(secrets.length).toBeGreaterThanOrEqual(54);
    const leaks = served.flatMap((s) =>
      secrets
        .filter((secret) => s.body.includes(secret.value))
        .map((secret) => `${secret.field} in ${s.url}`),
    );
    expect(leaks).toEqual([]);
  });
});
