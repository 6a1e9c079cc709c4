-- TEST INFRASTRUCTURE ONLY: a stand-in for pgsql-http's http_post(url, body, content_type), the
-- synchronous `http` extension the hand-made setup that ehr-sync replaces calls from pg_cron.
--
-- pgsql-http is not packaged for Debian 12, so the test bed provides the part of its SQL surface that
-- setup uses, with the same names and types: the composite types http_header (field, value) and
-- http_response (status, content_type, headers, content), and http_post(uri, content, content_type),
-- which like the real one sends the request at once, inside the caller's statement (not at commit,
-- unlike pg_net), waits for the answer and returns it; a failure to connect raises an error.
-- Written in PL/Python (urllib) so the request is real. Differences (tests must not rely on them):
-- timeouts are 5 s (pgsql-http's http.timeout_msec also defaults to 5 s), header names are as the
-- server sent them, no CURLOPT settings.
--
-- If the real extension is installed in this database, this file changes nothing. Apply it to the
-- databases a test creates (it needs a superuser for plpython3u). Never install this in production.
-- Idempotent.
DO $standin$
BEGIN
  IF EXISTS (SELECT FROM pg_extension WHERE extname = 'http') THEN
    RAISE NOTICE 'ehr-sync test bed: the real pgsql-http is installed in database %; the stand-in is not applied',
      current_database();
    RETURN;
  END IF;
  CREATE EXTENSION IF NOT EXISTS plpython3u;
  IF to_regtype('public.http_header') IS NULL THEN
    CREATE TYPE public.http_header AS (field character varying, value character varying);
  END IF;
  IF to_regtype('public.http_response') IS NULL THEN
    CREATE TYPE public.http_response AS (
      status integer, content_type character varying, headers public.http_header[], content character varying);
  END IF;

  EXECUTE $ddl$
CREATE OR REPLACE FUNCTION public.http_post(uri character varying, content character varying, content_type character varying)
RETURNS public.http_response
LANGUAGE plpython3u
AS $$
import urllib.request
import urllib.error
request = urllib.request.Request(uri, data=(content or "").encode("utf-8"), method="POST",
                                 headers={"Content-Type": content_type} if content_type else {})
try:
    response = urllib.request.urlopen(request, timeout=5)
except urllib.error.HTTPError as error:
    # Like pgsql-http, an HTTP error status is a response, not an error.
    response = error
except (urllib.error.URLError, OSError) as error:
    plpy.error("Failed to connect to " + uri, detail=str(getattr(error, "reason", error)))
body = response.read().decode("utf-8", "replace")
headers = [{"field": k, "value": v} for k, v in response.headers.items()]
return {"status": response.status if hasattr(response, "status") else response.code,
        "content_type": response.headers.get("Content-Type"), "headers": headers, "content": body}
$$
  $ddl$;
END
$standin$;
