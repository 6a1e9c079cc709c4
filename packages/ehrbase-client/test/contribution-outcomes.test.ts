/**
 * The outcomes EHRbase cannot produce on demand, through a local proxy in front of the real EHRbase:
 * a connection lost after EHRbase committed (`unknown`: reconcile by uid), and a 503 from the proxy that
 * never reached EHRbase (`not_committed`). What landed is read back from EHRbase with AQL.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ehrbaseTestConfig, fixturesPresent } from "@ehr-sync/testkit";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type Composition,
  type ContributionVersion,
  classifyContributionError,
  EhrbaseClient,
  EhrbasePreconditionFailedError,
  formatVersionUid,
} from "../src/index.js";
import { newSubject, realClient, seedCanonicalVitalSigns } from "./helpers.js";

const AUDIT = { committer: "ehr-sync contribution tests" };

let client: EhrbaseClient;
let systemId: string;
let canonical: Composition;
let proxy: Server | undefined;

beforeAll(async () => {
  client = await realClient();
  if (!fixturesPresent()) return;
  systemId = await client.systemId();
  canonical = await seedCanonicalVitalSigns(client);
});

afterEach(async () => {
  const current = proxy;
  proxy = undefined;
  if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
});

async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A client behind a proxy that hands each request to `handle` (which may forward it to EHRbase). */
async function clientBehind(
  handle: (req: IncomingMessage, body: Buffer, target: string) => Promise<"drop" | number>,
): Promise<EhrbaseClient> {
  const eb = ehrbaseTestConfig();
  const target = new URL(eb.baseUrl).origin;
  proxy = createServer(async (req, res) => {
    const verdict = await handle(req, await bodyOf(req), target);
    if (verdict === "drop") req.socket.destroy();
    else res.writeHead(verdict, { "content-type": "application/json" }).end('{"error":"proxy"}');
  });
  await new Promise<void>((resolve) => proxy!.listen(0, "127.0.0.1", resolve));
  const port = (proxy.address() as AddressInfo).port;
  return new EhrbaseClient({
    baseUrl: `http://127.0.0.1:${port}/ehrbase`,
    auth: { type: "basic", username: eb.user, password: eb.password },
    systemId,
  });
}

async function forward(req: IncomingMessage, body: Buffer, target: string): Promise<void> {
  const headers = Object.fromEntries(
    Object.entries(req.headers).filter(([name]) => !["host", "connection", "content-length"].includes(name)),
  ) as Record<string, string>;
  const response = await fetch(`${target}${req.url}`, {
    method: req.method,
    headers,
    body: new Uint8Array(body),
  });
  await response.arrayBuffer();
}

function versions(count: number): ContributionVersion[] {
  return Array.from({ length: count }, () => ({
    composition: {
      ...canonical,
      uid: { _type: "OBJECT_VERSION_ID", value: formatVersionUid(randomUUID(), systemId, 1) },
    },
  }));
}

async function storedUids(ehrId: string): Promise<string[]> {
  const result = await client.aql.query<[string]>(
    "SELECT c/uid/value FROM EHR e CONTAINS COMPOSITION c WHERE e/ehr_id/value = $ehr",
    { parameters: { ehr: ehrId } },
  );
  return result.rows.map(([uid]) => uid).sort();
}

describe.runIf(fixturesPresent())("contribution outcomes behind a proxy", () => {
  it("connection lost after EHRbase committed → unknown; reconcile by uid finds every version, a resend duplicates none", async () => {
    const { ehrId } = await client.ehrs.createForSubject(newSubject());
    const lossy = await clientBehind(async (req, body, target) => {
      await forward(req, body, target);
      return "drop";
    });
    const sent = versions(3);
    const uids = sent.map((v) => v.composition.uid!.value);
    const error = await lossy.contributions.commit(ehrId, sent, AUDIT).then(
      () => {
        throw new Error("expected the connection to drop");
      },
      (e: unknown) => e,
    );
    expect(classifyContributionError(error, sent)).toEqual({ outcome: "unknown", reason: "connection_lost" });
    expect(await storedUids(ehrId)).toEqual([...uids].sort());

    // Reconcile: each version is found by its uid, so nothing is sent again.
    for (const uid of uids) {
      expect(await client.compositions.get(ehrId, uid)).toMatchObject({ deleted: false });
    }
    // Had the caller resent anyway: the whole contribution is refused on the first existing uid, and a
    // single POST of each answers 412 "already exists". Still one copy of each.
    const again = await client.contributions.commit(ehrId, sent, AUDIT).catch((e: unknown) => e);
    expect(classifyContributionError(again, sent)).toMatchObject({
      outcome: "refused",
      reason: "uid_exists",
    });
    for (const version of sent) {
      const single = await client.compositions
        .create(ehrId, version.composition, { format: "JSON" })
        .catch((e: unknown) => e);
      expect(single).toBeInstanceOf(EhrbasePreconditionFailedError);
      expect((single as EhrbasePreconditionFailedError).uidAlreadyExists).toBe(true);
    }
    expect(await storedUids(ehrId)).toEqual([...uids].sort());
  });

  it("503 from a proxy that never reached EHRbase → not_committed, and nothing is stored", async () => {
    const { ehrId } = await client.ehrs.createForSubject(newSubject());
    const unavailable = await clientBehind(async () => 503);
    const sent = versions(2);
    const error = await unavailable.contributions.commit(ehrId, sent, AUDIT).catch((e: unknown) => e);
    expect(classifyContributionError(error, sent)).toEqual({
      outcome: "not_committed",
      reason: "unavailable",
    });
    expect(await storedUids(ehrId)).toEqual([]);
  });
});
