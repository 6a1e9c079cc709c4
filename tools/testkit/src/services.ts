/**
 * Where the test bed's services are, and a loud failure when one is missing.
 *
 * Tests never skip because a service is down: they fail with a message that names the service
 * and the command that starts it.
 */
import pg from "pg";

export interface EhrbaseTestConfig {
  /** e.g. http://127.0.0.1:8085/ehrbase */
  baseUrl: string;
  /** e.g. http://127.0.0.1:8085/ehrbase/rest/openehr/v1 */
  restUrl: string;
  user: string;
  password: string;
  adminUser: string;
  adminPassword: string;
}

const START_HINT =
  "Start the test bed with `bash scripts/testbed.sh up` (or `pnpm testbed up`) from the repository root.";

export function ehrbaseTestConfig(): EhrbaseTestConfig {
  const baseUrl = (process.env.EHRBASE_URL ?? "http://127.0.0.1:8085/ehrbase").replace(/\/+$/, "");
  return {
    baseUrl,
    restUrl: `${baseUrl}/rest/openehr/v1`,
    user: process.env.EHRBASE_USER ?? "ehrbase-user",
    password: process.env.EHRBASE_PASSWORD ?? "SuperSecretPassword",
    adminUser: process.env.EHRBASE_ADMIN_USER ?? "ehrbase-admin",
    adminPassword: process.env.EHRBASE_ADMIN_PASSWORD ?? "EvenMoreSecretPassword",
  };
}

export function basicAuthHeader(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
}

export class MissingServiceError extends Error {
  constructor(service: string, where: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(`${service} is not reachable at ${where} (${why}). ${START_HINT}`);
    this.name = "MissingServiceError";
  }
}

/** Resolves when EHRbase answers its status endpoint; throws MissingServiceError otherwise. */
export async function requireEhrbase(config = ehrbaseTestConfig()): Promise<EhrbaseTestConfig> {
  const where = `${config.baseUrl}/rest/status`;
  let response: Response;
  try {
    response = await fetch(where, {
      headers: { authorization: basicAuthHeader(config.user, config.password), accept: "application/json" },
      signal: AbortSignal.timeout(5_000),
    });
  } catch (error) {
    throw new MissingServiceError("EHRbase", where, (error as { cause?: unknown }).cause ?? error);
  }
  if (response.status !== 200) {
    throw new MissingServiceError(
      "EHRbase",
      where,
      new Error(`status endpoint answered HTTP ${response.status}`),
    );
  }
  await response.body?.cancel();
  return config;
}

export function databaseUrl(database?: string): string {
  const url = new URL(process.env.DATABASE_URL ?? "postgres://postgres:postgres@127.0.0.1:5432/postgres");
  if (database) url.pathname = `/${database}`;
  return url.toString();
}

/** Resolves when PostgreSQL accepts a connection; throws MissingServiceError otherwise. */
export async function requirePostgres(url = databaseUrl()): Promise<string> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  let connected = false;
  try {
    await client.connect();
    connected = true;
    await client.query("select 1");
  } catch (error) {
    const safe = new URL(url);
    safe.password = "";
    throw new MissingServiceError("PostgreSQL", safe.toString(), error);
  } finally {
    // only a connection that was made has anything to end
    if (connected) await client.end();
  }
  return url;
}

/**
 * Creates a fresh, uniquely named database for one test file and returns its URL and a drop function.
 * Isolation by database lets test files run against the shared server without stepping on each other.
 */
export async function createTestDatabase(
  prefix: string,
): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  await requirePostgres();
  const name = `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`.toLowerCase();
  const admin = new pg.Client({ connectionString: databaseUrl() });
  await admin.connect();
  try {
    await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: databaseUrl(name),
    drop: async () => {
      const c = new pg.Client({ connectionString: databaseUrl() });
      await c.connect();
      try {
        await c.query(`drop database if exists "${name}" with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}
