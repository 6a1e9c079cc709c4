/**
 * The test bed's pg_net stand-in behaves like pg_net 0.20 where the example depends on it:
 * a request is a row of the caller's transaction (gone on rollback), nothing leaves before commit,
 * one batch at a time (a slow request holds up one committed after it), and pg_net's columns and
 * error texts in net._http_response. Needs the sender that `bash scripts/testbed.sh up` starts.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSupabaseTestDatabase, type SupabaseTestDatabase } from "./supabase-database.js";

let db: SupabaseTestDatabase;
let server: Server;
let baseUrl: string;
let releaseSlow: () => void = () => {};
let slowArrived = false;

beforeAll(async () => {
  db = await createSupabaseTestDatabase("sb_pgnet", { migrate: false });
  server = createServer((request, response) => {
    if (request.url === "/slow") {
      slowArrived = true;
      releaseSlow = () => response.end("slow");
      return;
    }
    response.setHeader("content-type", "text/plain");
    response.end("fast");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  releaseSlow();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await db?.drop();
});

async function responseOf(id: string) {
  const { rows } = await db.client.query(
    "select status_code, content, content_type, timed_out, error_msg from net._http_response where id = $1",
    [id],
  );
  return rows[0];
}

async function eventually<T>(check: () => Promise<T | undefined>, what: string): Promise<T> {
  const until = Date.now() + 20_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) {
      throw new Error(`timed out waiting for ${what}; is the sender running? bash scripts/testbed.sh up`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("the pg_net stand-in", () => {
  it("queues in the transaction: visible inside it, gone with a rollback", async () => {
    await db.client.query("begin");
    const { rows } = await db.client.query<{ id: string }>("select net.http_get($1)::text as id", [
      `${baseUrl}/x`,
    ]);
    const inside = await db.client.query("select url from net.http_request_queue where id = $1", [
      rows[0]?.id,
    ]);
    expect(inside.rows).toEqual([{ url: `${baseUrl}/x` }]);
    await db.client.query("rollback");
    expect((await db.client.query("select 1 from net.http_request_queue")).rowCount).toBe(0);
  });

  it("sends after commit, one batch at a time: a slow request holds up the next one", async () => {
    const slow = await db.client.query<{ id: string }>(
      "select net.http_get($1, timeout_milliseconds := 30000)::text as id",
      [`${baseUrl}/slow`],
    );
    const slowId = slow.rows[0]?.id ?? "";
    // The slow request has arrived: its batch is waiting for the answer.
    await eventually(async () => (slowArrived ? true : undefined), "the slow request to arrive");
    const fast = await db.client.query<{ id: string }>("select net.http_post($1, '{\"a\":1}')::text as id", [
      `${baseUrl}/fast`,
    ]);
    const fastId = fast.rows[0]?.id ?? "";
    await new Promise((r) => setTimeout(r, 500));
    // Like pg_net's worker, nothing new is sent while the batch is unfinished.
    expect(await responseOf(fastId)).toBeUndefined();
    expect(await responseOf(slowId)).toBeUndefined();
    releaseSlow();
    const answered = await eventually(() => responseOf(fastId), "the fast request's response");
    expect(answered).toEqual({
      status_code: 200,
      content: "fast",
      content_type: "text/plain",
      timed_out: false,
      error_msg: null,
    });
    expect(await responseOf(slowId)).toMatchObject({ status_code: 200, content: "slow" });
  });

  it("records connection failures and timeouts with pg_net's (curl's) texts", async () => {
    const { rows } = await db.client.query<{ refused: string; timeout: string }>(
      `select net.http_get('http://127.0.0.1:1/')::text as refused,
              net.http_get($1, timeout_milliseconds := 200)::text as timeout`,
      [`${baseUrl}/slow`],
    );
    const refused = await eventually(
      () => responseOf(rows[0]?.refused ?? ""),
      "the refused request's response",
    );
    expect(refused).toMatchObject({
      status_code: null,
      timed_out: false,
      error_msg: "Couldn't connect to server",
    });
    const timedOut = await eventually(
      () => responseOf(rows[0]?.timeout ?? ""),
      "the timed-out request's response",
    );
    expect(timedOut).toMatchObject({ status_code: null, timed_out: true });
    expect(timedOut.error_msg).toMatch(/^Timeout of 200 ms reached\. Total time: /);
    releaseSlow();
  });
});
