-- TEST INFRASTRUCTURE ONLY: a stand-in for Supabase's pg_net that behaves like pg_net 0.20.
--
-- pg_net is not packaged for Debian, so the test bed provides pg_net's SQL surface with the same
-- names, signatures and tables, and a background sender (testbed/pg-net-standin/sender.mjs, started
-- by `scripts/testbed.sh up`) that plays the part of pg_net's worker:
--   * net.http_post / net.http_get / net.http_delete only INSERT into net.http_request_queue, inside
--     the caller's transaction: a rollback sends nothing, nothing leaves before commit;
--   * net.wake() (called by them, as in pg_net) notifies the sender at commit;
--   * the sender takes up to pg_net.batch_size (default 200) committed requests, sends them all at
--     once, and takes no new request until every request of the batch has finished or timed out;
--     then it writes every response of the batch into net._http_response (id = request id,
--     status_code, content_type, headers, content, timed_out, error_msg) in one transaction, like
--     pg_net's worker; it also deletes responses older than pg_net.ttl (default 6 hours).
-- Remaining differences (tests must not rely on them): the sender is a client process, not a
-- background worker (it connects as postgres); it serves every database this file was applied to
-- (pg_net serves only pg_net.database_name); response header names are lower-case; error texts are
-- curl's for the common cases (see sender.mjs), timing figures in timeout messages are approximate.
--
-- If the real pg_net is installed in this database, this file changes nothing.
-- Never install this in production; use the real pg_net there. Idempotent.
DO $standin$
BEGIN
  IF EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_net') THEN
    RAISE NOTICE 'ehr-sync test bed: the real pg_net is installed in database %; the stand-in is not applied',
      current_database();
    RETURN;
  END IF;

  CREATE SCHEMA IF NOT EXISTS net;

  -- The sender finds the databases it serves through this database-level setting (a shared catalog).
  EXECUTE format('ALTER DATABASE %I SET ehr_sync_testbed.pg_net_standin = %L', current_database(), 'on');

  CREATE UNLOGGED TABLE IF NOT EXISTS net.http_request_queue (
    id bigserial,
    method text NOT NULL CHECK (method ILIKE 'get' OR method ILIKE 'post' OR method ILIKE 'delete'),
    url text NOT NULL,
    headers jsonb,
    body bytea,
    timeout_milliseconds integer NOT NULL
  );

  CREATE TABLE IF NOT EXISTS net._http_response (
    id bigint,
    status_code integer,
    content_type text,
    headers jsonb,
    content text,
    timed_out boolean,
    error_msg text,
    created timestamptz NOT NULL DEFAULT now()
  );
  -- An earlier (synchronous) stand-in numbered responses itself; pg_net's id is the request's id.
  ALTER TABLE net._http_response ALTER COLUMN id DROP DEFAULT;
  CREATE INDEX IF NOT EXISTS _http_response_created_idx ON net._http_response (created);

  GRANT USAGE ON SCHEMA net TO PUBLIC;
  GRANT ALL ON ALL TABLES IN SCHEMA net TO PUBLIC;
  GRANT ALL ON ALL SEQUENCES IN SCHEMA net TO PUBLIC;

  -- pg_net wakes its worker at commit; a notification is likewise delivered only at commit, and
  -- several in one transaction are folded into one.
  EXECUTE $ddl$
CREATE OR REPLACE FUNCTION net.wake() RETURNS void
LANGUAGE sql
AS $$ SELECT pg_notify('ehr_sync_testbed_pg_net_wake', '') $$
  $ddl$;

  EXECUTE $ddl$
CREATE OR REPLACE FUNCTION net._urlencode_string(string text) RETURNS text
LANGUAGE sql IMMUTABLE
AS $$
  SELECT coalesce(string_agg(CASE WHEN ch ~ '^[A-Za-z0-9_.~-]$' THEN ch
                             ELSE regexp_replace(upper(encode(convert_to(ch, 'UTF8'), 'hex')), '(..)', '%\1', 'g')
                             END, '' ORDER BY i), '')
    FROM regexp_split_to_table(string, '') WITH ORDINALITY AS t(ch, i)
$$
  $ddl$;

  EXECUTE $ddl$
CREATE OR REPLACE FUNCTION net._encode_url_with_params(url text, params jsonb) RETURNS text
LANGUAGE sql IMMUTABLE
AS $$
  SELECT CASE WHEN coalesce(params, '{}'::jsonb) = '{}'::jsonb THEN url
         ELSE url || CASE WHEN url LIKE '%?%' THEN '&' ELSE '?' END || (
           SELECT string_agg(net._urlencode_string(key) || '=' || net._urlencode_string(value), '&')
             FROM jsonb_each_text(params))
         END
$$
  $ddl$;

  EXECUTE $ddl$
CREATE OR REPLACE FUNCTION net.http_get(
  url text,
  params jsonb DEFAULT '{}'::jsonb,
  headers jsonb DEFAULT '{}'::jsonb,
  timeout_milliseconds integer DEFAULT 5000
) RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
  request_id bigint;
BEGIN
  INSERT INTO net.http_request_queue (method, url, headers, timeout_milliseconds)
  VALUES ('GET', net._encode_url_with_params(url, params), headers, timeout_milliseconds)
  RETURNING id INTO request_id;
  PERFORM net.wake();
  RETURN request_id;
END
$$
  $ddl$;

  EXECUTE $ddl$
CREATE OR REPLACE FUNCTION net.http_post(
  url text,
  body jsonb DEFAULT '{}'::jsonb,
  params jsonb DEFAULT '{}'::jsonb,
  headers jsonb DEFAULT '{"Content-Type": "application/json"}'::jsonb,
  timeout_milliseconds integer DEFAULT 5000
) RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
  request_id bigint;
  content_type text;
BEGIN
  SELECT value INTO content_type
    FROM jsonb_each_text(coalesce(headers, '{}'::jsonb)) AS h(key, value)
   WHERE lower(key) = 'content-type'
   LIMIT 1;
  IF content_type IS NULL THEN
    headers := coalesce(headers, '{}'::jsonb) || '{"Content-Type": "application/json"}'::jsonb;
  ELSIF content_type <> 'application/json' THEN
    RAISE EXCEPTION 'Content-Type header must be "application/json"';
  END IF;
  INSERT INTO net.http_request_queue (method, url, headers, body, timeout_milliseconds)
  VALUES ('POST', net._encode_url_with_params(url, params), headers, convert_to(body::text, 'UTF8'),
          timeout_milliseconds)
  RETURNING id INTO request_id;
  PERFORM net.wake();
  RETURN request_id;
END
$$
  $ddl$;

  EXECUTE $ddl$
CREATE OR REPLACE FUNCTION net.http_delete(
  url text,
  params jsonb DEFAULT '{}'::jsonb,
  headers jsonb DEFAULT '{}'::jsonb,
  timeout_milliseconds integer DEFAULT 5000,
  body jsonb DEFAULT NULL
) RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
  request_id bigint;
BEGIN
  INSERT INTO net.http_request_queue (method, url, headers, body, timeout_milliseconds)
  VALUES ('DELETE', net._encode_url_with_params(url, params), headers, convert_to(body::text, 'UTF8'),
          timeout_milliseconds)
  RETURNING id INTO request_id;
  PERFORM net.wake();
  RETURN request_id;
END
$$
  $ddl$;

  EXECUTE $ddl$
COMMENT ON SCHEMA net IS
  'ehr-sync TEST STAND-IN for pg_net: requests are queued in the transaction and sent after commit by testbed/pg-net-standin/sender.mjs. Not for production.'
  $ddl$;
  EXECUTE $ddl$
COMMENT ON FUNCTION net.http_post(text, jsonb, jsonb, jsonb, integer) IS
  'ehr-sync TEST STAND-IN for pg_net net.http_post (queued; sent after commit by the test bed sender). Not for production.'
  $ddl$;
END
$standin$;
