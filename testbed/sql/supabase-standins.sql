-- TEST INFRASTRUCTURE ONLY: minimal stand-ins for the Supabase platform pieces that cannot be
-- installed on this machine (Supabase's roles, Vault). Apply it to every database that plays the
-- part of a Supabase project, together with testbed/sql/net-http-post-standin.sql (pg_net).
-- Idempotent: safe to apply any number of times, to any number of databases.
--
-- What is real and what is not:
--   * roles `anon`, `authenticated`, `service_role`: same names and the same shape as Supabase's
--     (NOLOGIN; service_role bypasses RLS), plus `authenticator` (LOGIN, NOINHERIT, may SET ROLE to
--     the three) like the role PostgREST connects as. Roles are cluster-wide, so they are created once.
--     Tests connect as `postgres` (or `authenticator`) and `SET ROLE anon` / `SET ROLE authenticated`.
--   * Supabase's default privileges on schema `public` (every new table, sequence and function is
--     granted to anon, authenticated and service_role): reproduced, so a migration that forgets to lock
--     a table down is caught by the tests exactly as it would be exposed on Supabase.
--   * Supabase Auth's SQL helpers `auth.uid()`, `auth.role()` and `auth.jwt()`, reading the request's
--     JWT claims from `request.jwt.claims` as PostgREST sets them. Tests set that GUC themselves; there
--     is no GoTrue, no `auth.users` table and no token verification.
--   * Vault: `vault.secrets`, `vault.decrypted_secrets`, `vault.create_secret(new_secret, new_name,
--     new_description, new_key_id)` and `vault.update_secret(secret_id, new_secret, new_name,
--     new_description, new_key_id)` with the real signatures. IT DOES NOT ENCRYPT: the secret is stored
--     in clear text and `decrypted_secret` is a plain copy. Never use it outside the test bed.

-- ------------------------------------------------------------------ roles (cluster-wide)
DO $roles$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'anon') THEN
    CREATE ROLE anon NOLOGIN NOINHERIT;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'authenticated') THEN
    CREATE ROLE authenticated NOLOGIN NOINHERIT;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'service_role') THEN
    CREATE ROLE service_role NOLOGIN NOINHERIT BYPASSRLS;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'authenticator') THEN
    CREATE ROLE authenticator LOGIN NOINHERIT PASSWORD 'authenticator';
  END IF;
END
$roles$;

-- Membership is what lets a session `SET ROLE`; granting twice is a harmless notice.
SET client_min_messages = warning;
GRANT anon, authenticated, service_role TO authenticator;
RESET client_min_messages;

-- ------------------------------------------------------------------ Supabase's grants on `public`
GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON FUNCTIONS TO anon, authenticated, service_role;

-- ------------------------------------------------------------------ Supabase Auth helpers
CREATE SCHEMA IF NOT EXISTS auth;
GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role;

CREATE OR REPLACE FUNCTION auth.jwt() RETURNS jsonb
LANGUAGE sql STABLE
AS $$ SELECT coalesce(nullif(current_setting('request.jwt.claims', true), ''), '{}')::jsonb $$;

CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid
LANGUAGE sql STABLE
AS $$ SELECT nullif(auth.jwt() ->> 'sub', '')::uuid $$;

CREATE OR REPLACE FUNCTION auth.role() RETURNS text
LANGUAGE sql STABLE
AS $$ SELECT nullif(auth.jwt() ->> 'role', '') $$;

GRANT EXECUTE ON FUNCTION auth.jwt(), auth.uid(), auth.role() TO anon, authenticated, service_role;

-- ------------------------------------------------------------------ Vault (NOT encrypted)
CREATE SCHEMA IF NOT EXISTS vault;
REVOKE ALL ON SCHEMA vault FROM PUBLIC;

CREATE TABLE IF NOT EXISTS vault.secrets (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text,
  description text NOT NULL DEFAULT '',
  secret text NOT NULL,
  key_id uuid,
  nonce bytea,
  created_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX IF NOT EXISTS secrets_name_idx ON vault.secrets (name) WHERE name IS NOT NULL;
REVOKE ALL ON vault.secrets FROM PUBLIC;

CREATE OR REPLACE VIEW vault.decrypted_secrets AS
SELECT s.id, s.name, s.description, s.secret, s.secret AS decrypted_secret, s.key_id, s.nonce,
       s.created_at, s.updated_at
FROM vault.secrets s;
REVOKE ALL ON vault.decrypted_secrets FROM PUBLIC;

CREATE OR REPLACE FUNCTION vault.create_secret(
  new_secret text,
  new_name text DEFAULT NULL,
  new_description text DEFAULT '',
  new_key_id uuid DEFAULT NULL
) RETURNS uuid
LANGUAGE sql
SECURITY DEFINER
SET search_path = ''
AS $$
  INSERT INTO vault.secrets (secret, name, description, key_id)
  VALUES (new_secret, new_name, coalesce(new_description, ''), new_key_id)
  RETURNING id;
$$;

CREATE OR REPLACE FUNCTION vault.update_secret(
  secret_id uuid,
  new_secret text DEFAULT NULL,
  new_name text DEFAULT NULL,
  new_description text DEFAULT NULL,
  new_key_id uuid DEFAULT NULL
) RETURNS void
LANGUAGE sql
SECURITY DEFINER
SET search_path = ''
AS $$
  UPDATE vault.secrets s
  SET secret = coalesce(new_secret, s.secret),
      name = coalesce(new_name, s.name),
      description = coalesce(new_description, s.description),
      key_id = coalesce(new_key_id, s.key_id),
      updated_at = now()
  WHERE s.id = secret_id;
$$;
REVOKE ALL ON FUNCTION vault.create_secret(text, text, text, uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION vault.update_secret(uuid, text, text, text, uuid) FROM PUBLIC;

COMMENT ON SCHEMA vault IS
  'ehr-sync TEST STAND-IN for Supabase Vault: same tables, view and functions, NO encryption. Not for production.';
