/**
 * A second, empty EHRbase for the tests that need one (no EHRs, no templates): the test bed's own
 * EHRbase jar and JDK, started on a free port against a new database of its own, with its own
 * `server.nodename`. The shared EHRbase on 8085 is never touched. Stopped (by its pid) and its
 * database dropped by `stop()`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import net from "node:net";
import { homedir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { databaseUrl, ehrbaseTestConfig } from "@ehr-sync/testkit";
import pg from "pg";

const EHRBASE_VERSION = "2.16.0";
const START_TIMEOUT_MS = 240_000;

export interface FreshEhrbase {
  /** e.g. http://127.0.0.1:PORT/ehrbase */
  baseUrl: string;
  systemId: string;
  user: string;
  password: string;
  stop: () => Promise<void>;
}

/** Where scripts/testbed.sh caches the EHRbase jar (same rule as its CACHE). */
function cacheDir(): string {
  return (
    process.env.EHR_SYNC_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "ehr-sync")
  );
}

function findJdk(): string | undefined {
  const candidates = [
    process.env.EHRBASE_JAVA_HOME,
    "/usr/lib/jvm/temurin-25-jdk-amd64",
    "/usr/lib/jvm/temurin-21-jdk-amd64",
    ...(existsSync("/usr/lib/jvm")
      ? readdirSync("/usr/lib/jvm")
          .filter((d) => d.startsWith("temurin-"))
          .map((d) => join("/usr/lib/jvm", d))
      : []),
  ];
  return candidates.find((j) => j && existsSync(join(j, "bin", "java")));
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A database laid out as testbed/sql/ehrbase-db.sql lays out the shared one (roles exist already). */
async function createEhrbaseDatabase(name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: databaseUrl() });
  await admin.connect();
  try {
    await admin.query(
      `create database "${name}" encoding 'UTF8' lc_collate 'C' lc_ctype 'C' template template0 owner ehrbase`,
    );
    await admin.query(`grant connect on database "${name}" to ehrbase_restricted`);
    await admin.query(`alter database "${name}" set search_path to ext`);
    await admin.query(`alter database "${name}" set intervalstyle = 'iso_8601'`);
  } finally {
    await admin.end();
  }
  const db = new pg.Client({ connectionString: databaseUrl(name) });
  await db.connect();
  try {
    await db.query(`
      revoke create on schema public from public;
      create schema if not exists ehr authorization ehrbase;
      create schema if not exists ext authorization ehrbase;
      grant usage on schema ehr to ehrbase_restricted;
      grant usage on schema ext to ehrbase_restricted;
      alter default privileges for user ehrbase in schema ehr grant select, insert, update, delete on tables to ehrbase_restricted;
      alter default privileges for user ehrbase in schema ext grant select, insert, update, delete on tables to ehrbase_restricted;
      create extension if not exists "uuid-ossp" schema ext;`);
  } finally {
    await db.end();
  }
}

async function dropDatabase(name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: databaseUrl() });
  await admin.connect();
  try {
    await admin.query(`drop database if exists "${name}" with (force)`);
  } finally {
    await admin.end();
  }
}

async function answers(baseUrl: string, auth: string): Promise<boolean> {
  try {
    const response = await fetch(`${baseUrl}/rest/status`, { headers: { authorization: auth } });
    await response.arrayBuffer();
    return response.ok;
  } catch (error) {
    if ((error as { name?: string }).name === "TypeError") return false; // not listening yet
    throw error;
  }
}

async function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise((resolve) => child.once("exit", resolve));
}

export async function startFreshEhrbase(systemId: string): Promise<FreshEhrbase> {
  const jar = join(cacheDir(), `ehrbase-${EHRBASE_VERSION}.jar`);
  const jdk = findJdk();
  if (!existsSync(jar) || !jdk) {
    throw new Error(
      `a second EHRbase needs the test bed's jar (${jar}) and a Temurin JDK: run \`bash scripts/testbed.sh up\` first`,
    );
  }
  const { user, password } = ehrbaseTestConfig();
  const database = `ehrbase_fresh_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  await createEhrbaseDatabase(database);
  const port = await freePort();
  const pgUrl = new URL(databaseUrl());
  let log = "";
  const child = spawn(
    join(jdk, "bin", "java"),
    [
      "-Xms128m",
      "-Xmx768m",
      "-XX:+UseSerialGC",
      "-jar",
      jar,
      `--server.port=${port}`,
      "--server.address=127.0.0.1",
      "--spring.profiles.active=local",
      `--spring.datasource.url=jdbc:postgresql://${pgUrl.hostname}:${pgUrl.port || 5432}/${database}`,
      "--spring.datasource.username=ehrbase_restricted",
      "--spring.datasource.password=ehrbase_restricted",
      "--spring.flyway.user=ehrbase",
      "--spring.flyway.password=ehrbase",
      "--security.authType=BASIC",
      `--security.authUser=${user}`,
      `--security.authPassword=${password}`,
      "--admin-api.active=false",
      `--server.nodename=${systemId}`,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString("utf8")).slice(-20_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const done = await Promise.race([exited(child).then(() => true), sleep(20_000).then(() => false)]);
      if (!done) {
        child.kill("SIGKILL");
        await exited(child);
      }
    }
    await dropDatabase(database);
  };
  const baseUrl = `http://127.0.0.1:${port}/ehrbase`;
  const auth = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
  const deadline = Date.now() + START_TIMEOUT_MS;
  try {
    while (!(await answers(baseUrl, auth))) {
      if (child.exitCode !== null)
        throw new Error(`the second EHRbase exited during startup:\n${log.slice(-3000)}`);
      if (Date.now() > deadline)
        throw new Error(
          `the second EHRbase did not answer within ${START_TIMEOUT_MS} ms:\n${log.slice(-3000)}`,
        );
      await sleep(500);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { baseUrl, systemId, user, password, stop };
}
