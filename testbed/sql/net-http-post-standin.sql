-- TEST INFRASTRUCTURE ONLY: a stand-in for Supabase's pg_net `net.http_post`.
--
-- pg_net is not packaged for Debian, so the test bed provides a function with pg_net's exact
-- signature and return type (bigint request id) and records responses in `net._http_response`
-- with pg_net's column names. Differences from the real pg_net, which tests must not rely on:
--   * it is synchronous: the POST goes out while the caller's statement runs, not after commit,
--     and a rollback does not cancel it;
--   * there is no `net.http_request_queue` and no background worker.
-- Never install this in production; use the real pg_net there.
CREATE EXTENSION IF NOT EXISTS plpython3u;
CREATE SCHEMA IF NOT EXISTS net;

CREATE TABLE IF NOT EXISTS net._http_response (
  id bigserial PRIMARY KEY,
  status_code integer,
  content_type text,
  headers jsonb,
  content text,
  timed_out boolean,
  error_msg text,
  created timestamptz NOT NULL DEFAULT now()
);

CREATE OR REPLACE FUNCTION net.http_post(
  url text,
  body jsonb DEFAULT '{}'::jsonb,
  params jsonb DEFAULT '{}'::jsonb,
  headers jsonb DEFAULT '{"Content-Type": "application/json"}'::jsonb,
  timeout_milliseconds integer DEFAULT 5000
) RETURNS bigint
LANGUAGE plpython3u
AS $py$
import json, socket, urllib.error, urllib.parse, urllib.request

query = urllib.parse.urlencode(json.loads(params) if params else {})
full_url = url + (("&" if "?" in url else "?") + query if query else "")
request_headers = json.loads(headers) if headers else {}
if not any(k.lower() == "content-type" for k in request_headers):
    request_headers["Content-Type"] = "application/json"
payload = (body if body is not None else "null").encode()

status = None; content_type = None; response_headers = {}; content = None; timed_out = False; error = None
try:
    req = urllib.request.Request(full_url, data=payload, headers=request_headers, method="POST")
    with urllib.request.urlopen(req, timeout=timeout_milliseconds / 1000.0) as resp:
        status = resp.status
        content_type = resp.headers.get("Content-Type")
        response_headers = dict(resp.headers.items())
        content = resp.read().decode("utf-8", "replace")
except urllib.error.HTTPError as e:
    status = e.code
    content_type = e.headers.get("Content-Type")
    response_headers = dict(e.headers.items())
    content = e.read().decode("utf-8", "replace")
except (socket.timeout, TimeoutError) as e:
    timed_out = True; error = str(e)
except Exception as e:
    error = str(e)

plan = plpy.prepare(
    "INSERT INTO net._http_response (status_code, content_type, headers, content, timed_out, error_msg) "
    "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    ["integer", "text", "jsonb", "text", "boolean", "text"])
return plpy.execute(plan, [status, content_type, json.dumps(response_headers), content, timed_out, error])[0]["id"]
$py$;

COMMENT ON FUNCTION net.http_post(text, jsonb, jsonb, jsonb, integer) IS
  'ehr-sync TEST STAND-IN for pg_net net.http_post (synchronous, plpython3u). Not for production.';
