-- Database for the test bed's EHRbase, laid out as EHRbase's installation notes describe:
-- an owner role that runs the Flyway migrations and a restricted role the server uses at run time.
-- Idempotent: safe to run on every `testbed up`.
SELECT 'CREATE ROLE ehrbase LOGIN PASSWORD ''ehrbase'''
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ehrbase') \gexec
SELECT 'CREATE ROLE ehrbase_restricted LOGIN PASSWORD ''ehrbase_restricted'''
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ehrbase_restricted') \gexec
SELECT 'CREATE DATABASE ehrbase ENCODING ''UTF8'' LC_COLLATE ''C'' LC_CTYPE ''C'' TEMPLATE template0 OWNER ehrbase'
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'ehrbase') \gexec
GRANT ALL PRIVILEGES ON DATABASE ehrbase TO ehrbase;
GRANT CONNECT ON DATABASE ehrbase TO ehrbase_restricted;
\connect ehrbase
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
CREATE SCHEMA IF NOT EXISTS ehr AUTHORIZATION ehrbase;
CREATE SCHEMA IF NOT EXISTS ext AUTHORIZATION ehrbase;
GRANT USAGE ON SCHEMA ehr TO ehrbase_restricted;
GRANT USAGE ON SCHEMA ext TO ehrbase_restricted;
ALTER DEFAULT PRIVILEGES FOR USER ehrbase IN SCHEMA ehr GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ehrbase_restricted;
ALTER DEFAULT PRIVILEGES FOR USER ehrbase IN SCHEMA ext GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ehrbase_restricted;
CREATE EXTENSION IF NOT EXISTS "uuid-ossp" SCHEMA ext;
ALTER DATABASE ehrbase SET search_path TO ext;
ALTER DATABASE ehrbase SET intervalstyle = 'iso_8601';
