// TEST INFRASTRUCTURE ONLY: the background sender of the test bed's pg_net stand-in
// (testbed/sql/net-http-post-standin.sql). Started, once, by `bash scripts/testbed.sh up`.
//
// It plays pg_net 0.20's worker (src/worker.c of supabase/pg_net), one loop per database that has
// the stand-in (found through `ALTER DATABASE … SET ehr_sync_testbed.pg_net_standin = on`):
//   wait for a wake (net.wake() notifies at commit) ─▶ in ONE transaction: delete responses older than
//   pg_net.ttl, take up to pg_net.batch_size committed requests (DELETE … RETURNING, oldest first),
//   send them all at once, wait until EVERY one has answered or timed out, insert all responses ─▶
//   commit ─▶ wait up to 1 s ─▶ again while there was work (see serve() for pg_net's wake-up rules).
// Like pg_net, a slow request therefore holds up every other request of its database.
//
// Connection errors are written with curl's texts (what pg_net stores in error_msg).
// Environment: DATABASE_URL (admin connection, default postgres://postgres:postgres@127.0.0.1:5432/postgres).
import { createRequire } from "node:module";

// `pg` is the workspace's (tools/testkit depends on it); this file is not a package of its own.
const require = createRequire(new URL("../../tools/testkit/package.json", import.meta.url));
const pg = require("pg");

const WAKE_CHANNEL = "ehr_sync_testbed_pg_net_wake";
const adminUrl = process.env.DATABASE_URL ?? "postgres://postgres:postgres@127.0.0.1:5432/postgres";
const DISCOVERY_INTERVAL_MS = 200;

/** @type {Map<string, { stop: () => void }>} */
const served = new Map();

function log(message) {
  process.stdout.write(`${new Date().toISOString()} ${message}\n`);
}

function urlFor(database) {
  const url = new URL(adminUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

/** curl_easy_strerror's texts for the failures a test can provoke. */
function curlError(error) {
  const code = error?.cause?.code ?? error?.code;
  switch (code) {
    case "ECONNREFUSED":
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return "Couldn't connect to server";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "Couldn't resolve host name";
    case "ECONNRESET":
    case "UND_ERR_SOCKET":
      return "Failure when receiving data from the peer";
    case "ERR_INVALID_URL":
      return "URL using bad/illegal format or missing URL";
    default:
      return "Couldn't connect to server";
  }
}

async function send(request) {
  const started = performance.now();
  const timeoutMs = request.timeout_milliseconds;
  const url = request.url;
  if (!/^https?:\/\//i.test(url)) {
    return { id: request.id, timed_out: false, error_msg: "Unsupported protocol" };
  }
  try {
    const response = await fetch(url, {
      method: request.method.toUpperCase(),
      headers: request.headers ?? {},
      body: request.body ?? undefined,
      redirect: "follow",
      signal: AbortSignal.timeout(timeoutMs),
    });
    const content = await response.text();
    return {
      id: request.id,
      status_code: response.status,
      content_type: response.headers.get("content-type"),
      headers: Object.fromEntries(response.headers.entries()),
      content: content === "" ? null : content,
      timed_out: false,
      error_msg: null,
    };
  } catch (error) {
    if (error?.name === "TimeoutError") {
      const total = (performance.now() - started).toFixed(6);
      return {
        id: request.id,
        timed_out: true,
        error_msg: `Timeout of ${timeoutMs} ms reached. Total time: ${total} ms (DNS time: 0.000000 ms, TCP/SSL handshake time: 0.000000 ms, HTTP Request/Response time: ${total} ms)`,
      };
    }
    return { id: request.id, timed_out: false, error_msg: curlError(error) };
  }
}

/**
 * One worker loop for one database, like pg_net's single worker for pg_net.database_name, with its
 * wake-up rules: a commit that queued requests sets `shouldWake` and, only if it was not set yet,
 * the latch. The worker clears `shouldWake` only when it starts a round of batches, and waits up to
 * 1 s (or until the latch is set) after every batch. So a request committed while a round is under
 * way usually waits for that 1 s timer, exactly as with pg_net 0.20.
 */
function serve(database) {
  let stopped = false;
  let client;
  let shouldWake = true; // pg_net starts with should_wake = 1
  let latch = false;
  let onLatch = () => {};
  const setLatch = () => {
    latch = true;
    onLatch();
  };
  const waitLatch = (timeoutMs) =>
    new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        onLatch = () => {};
        latch = false; // ResetLatch
        resolve();
      };
      const timer = timeoutMs === undefined ? undefined : setTimeout(done, timeoutMs);
      if (latch || stopped) return done();
      onLatch = done;
    });

  const loop = async () => {
    while (!stopped) {
      try {
        client = new pg.Client({ connectionString: urlFor(database), application_name: "pg_net stand-in" });
        client.on("error", () => {});
        client.on("notification", () => {
          if (!shouldWake) {
            shouldWake = true;
            setLatch();
          }
        });
        await client.connect();
        await client.query(`LISTEN ${WAKE_CHANNEL}`);
        shouldWake = true; // anything committed while we were not listening
        while (!stopped) {
          if (!shouldWake) {
            await waitLatch();
            continue;
          }
          shouldWake = false;
          for (;;) {
            const { consumed, expired } = await runBatch(client);
            if (stopped) break;
            // pg_net: "slow down queue processing" (cut short only by a latch set meanwhile).
            await waitLatch(1000);
            if (consumed === 0 && expired === 0) break;
          }
        }
      } catch (error) {
        if (stopped) break;
        log(`${database}: ${error?.code ?? ""} ${error?.message ?? error}; reconnecting`);
        await new Promise((r) => setTimeout(r, 1000));
      } finally {
        await client?.end().catch(() => {});
      }
    }
  };
  loop();
  return {
    stop: () => {
      stopped = true;
      setLatch();
      client?.end().catch(() => {});
    },
  };
}

async function runBatch(client) {
  await client.query("BEGIN");
  try {
    const settings = await client.query(
      `SELECT coalesce(nullif(current_setting('pg_net.ttl', true), ''), '6 hours')::interval AS ttl,
              coalesce(nullif(current_setting('pg_net.batch_size', true), ''), '200')::int AS batch_size`,
    );
    const { ttl, batch_size: batchSize } = settings.rows[0];
    const expired = await client.query(
      `WITH rows AS (SELECT ctid FROM net._http_response WHERE created < now() - $1::interval ORDER BY created LIMIT $2)
       DELETE FROM net._http_response r USING rows WHERE r.ctid = rows.ctid`,
      [ttl, batchSize],
    );
    const taken = await client.query(
      `WITH rows AS (SELECT id FROM net.http_request_queue ORDER BY id LIMIT $1)
       DELETE FROM net.http_request_queue q USING rows WHERE q.id = rows.id
       RETURNING q.id, q.method, q.url, q.headers, q.body, q.timeout_milliseconds`,
      [batchSize],
    );
    // The whole batch at once; nothing new is taken until every request has finished.
    const responses = await Promise.all(taken.rows.map(send));
    if (responses.length > 0) {
      await client.query(
        `INSERT INTO net._http_response (id, status_code, content_type, headers, content, timed_out, error_msg)
         SELECT r.id, r.status_code, r.content_type, r.headers, r.content, r.timed_out, r.error_msg
           FROM jsonb_to_recordset($1::jsonb) AS r(id bigint, status_code int, content_type text, headers jsonb,
                                                  content text, timed_out boolean, error_msg text)`,
        [JSON.stringify(responses)],
      );
    }
    await client.query("COMMIT");
    return { consumed: taken.rowCount ?? 0, expired: expired.rowCount ?? 0 };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  }
}

async function discover(admin) {
  const { rows } = await admin.query(
    `SELECT d.datname
       FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
      WHERE s.setrole = 0 AND d.datallowconn
        AND 'ehr_sync_testbed.pg_net_standin=on' = ANY (s.setconfig)`,
  );
  const wanted = new Set(rows.map((r) => r.datname));
  for (const name of wanted) {
    if (!served.has(name)) {
      served.set(name, serve(name));
    }
  }
  for (const [name, worker] of served) {
    if (!wanted.has(name)) {
      worker.stop();
      served.delete(name);
    }
  }
}

async function main() {
  log(`pg_net stand-in sender started (pid ${process.pid})`);
  for (;;) {
    const admin = new pg.Client({
      connectionString: adminUrl,
      application_name: "pg_net stand-in (discovery)",
    });
    admin.on("error", () => {});
    try {
      await admin.connect();
      for (;;) {
        await discover(admin);
        await new Promise((r) => setTimeout(r, DISCOVERY_INTERVAL_MS));
      }
    } catch (error) {
      log(`discovery: ${error?.message ?? error}; retrying in 1 s`);
      await admin.end().catch(() => {});
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    for (const worker of served.values()) worker.stop();
    process.exit(0);
  });
}

main();
