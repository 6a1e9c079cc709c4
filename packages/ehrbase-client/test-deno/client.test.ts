/**
 * The client under Deno, against the real EHRbase of the test bed: the TypeScript source is type-checked
 * by Deno (sloppy imports map the `.js` specifiers to `.ts`) and the built ESM bundle is exercised too,
 * so both "runs unchanged in Deno" claims are checked. Uses only node:assert and web APIs.
 */
import assert from "node:assert/strict";
import {
  type Composition,
  EhrbaseClient,
  EhrbaseConflictError,
  EhrbaseInputError,
  EhrbasePreconditionFailedError,
  formatVersionUid,
} from "@ehr-sync/ehrbase-client";
import { EhrbaseClient as BuiltClient } from "@ehr-sync/ehrbase-client/dist";

const baseUrl = (Deno.env.get("EHRBASE_URL") ?? "http://127.0.0.1:8085/ehrbase").replace(/\/+$/, "");
const auth = {
  type: "basic" as const,
  username: Deno.env.get("EHRBASE_USER") ?? "ehrbase-user",
  password: Deno.env.get("EHRBASE_PASSWORD") ?? "SuperSecretPassword",
};
const fixtures =
  Deno.env.get("EHR_SYNC_FIXTURES") ?? new URL("../../../../shared/fixtures", import.meta.url).pathname;
const TEMPLATE = "ehrn_vital_signs.v2";

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

// The same rule as @ehr-sync/testkit's fixturesPresent(): without the corpus (a plain clone) the test is
// ignored and counted; in CI with ../shared beside the repository, or with EHR_SYNC_FIXTURES set, it must run.
const fixturesHere = exists(fixtures);
const fixturesRequired =
  Boolean(Deno.env.get("EHR_SYNC_FIXTURES")) ||
  (Deno.env.get("CI") === "true" && exists(new URL("../../../../shared", import.meta.url).pathname));
if (!fixturesHere) {
  const reason = `the openEHR fixture corpus is not at ${fixtures} (it lives outside the repository; set EHR_SYNC_FIXTURES to its folder)`;
  if (fixturesRequired) throw new Error(`every fixture test must run here, but ${reason}`);
  console.warn(`[fixtures] 1 test ignored: ${reason}`);
}

async function requireEhrbase(client: EhrbaseClient): Promise<void> {
  try {
    await client.status();
  } catch (error) {
    throw new Error(
      `EHRbase is not reachable at ${baseUrl} (${(error as Error).message}). Start the test bed with \`bash scripts/testbed.sh up\` from the repository root.`,
    );
  }
}

Deno.test({
  name: "EHR, template, FLAT composition round trip and AQL under Deno",
  ignore: !fixturesHere,
  fn: async () => {
    const client = new EhrbaseClient({ baseUrl, auth, userAgent: "ehr-sync-deno-test" });
    await requireEhrbase(client);

    const opt = await Deno.readTextFile(`${fixtures}/templates/${TEMPLATE}.opt`);
    const flat = JSON.parse(await Deno.readTextFile(`${fixtures}/flat/${TEMPLATE}__.json`));
    assert.equal((await client.templates.ensure(opt)).templateId, TEMPLATE);

    const subject = { id: `deno-${crypto.randomUUID()}`, namespace: "ehr-sync-client-tests" };
    const first = await client.ehrs.ensure(subject);
    assert.equal(first.created, true);
    assert.deepEqual(await client.ehrs.ensure(subject), { ehrId: first.ehrId, created: false });
    await assert.rejects(client.ehrs.create({ subject }), EhrbaseConflictError);
    await assert.rejects(
      client.ehrs.create({ subject: { id: "x", namespace: "with.dot" } }),
      EhrbaseInputError,
    );

    const uid = formatVersionUid(crypto.randomUUID(), await client.systemId(), 1);
    const created = await client.compositions.create(first.ehrId, flat, {
      format: "FLAT",
      templateId: TEMPLATE,
      uid,
    });
    assert.equal(created.versionUid.value, uid);
    const again = await client.compositions
      .create(first.ehrId, flat, { format: "FLAT", templateId: TEMPLATE, uid })
      .catch((e: unknown) => e);
    assert.ok(again instanceof EhrbasePreconditionFailedError && again.uidAlreadyExists);

    // The built bundle reads what the source-based client wrote.
    const built = new BuiltClient({ baseUrl, auth });
    const result = await built.aql.query(
      "SELECT c/uid/value FROM EHR e CONTAINS COMPOSITION c WHERE e/ehr_id/value = $ehr",
      { parameters: { ehr: first.ehrId } },
    );
    assert.deepEqual(result.rows, [[uid]]);
    const read = await built.compositions.get(first.ehrId, created.versionUid.uuid);
    assert.equal(read?.deleted, false);

    await client.compositions.delete(first.ehrId, uid);
    assert.deepEqual(await client.compositions.get(first.ehrId, created.versionUid.uuid), { deleted: true });
  },
});

Deno.test({
  name: "createForSubject and a contribution of canonical compositions under Deno",
  ignore: !fixturesHere,
  fn: async () => {
    const client = new EhrbaseClient({ baseUrl, auth, userAgent: "ehr-sync-deno-test" });
    await requireEhrbase(client);
    await client.templates.ensure(await Deno.readTextFile(`${fixtures}/templates/${TEMPLATE}.opt`));
    const flat = JSON.parse(await Deno.readTextFile(`${fixtures}/flat/${TEMPLATE}__.json`));

    const subject = { id: `deno-${crypto.randomUUID()}`, namespace: "ehr-sync-client-tests" };
    const { ehrId, created } = await client.ehrs.createForSubject(subject);
    assert.equal(created, true);
    assert.deepEqual(await client.ehrs.createForSubject(subject), { ehrId, created: false });

    const seed = await client.compositions.create(ehrId, flat, { format: "FLAT", templateId: TEMPLATE });
    const read = await client.compositions.get<Composition>(ehrId, seed.versionUid.value);
    assert.ok(read && !read.deleted);
    const { uid: _stored, ...canonical } = read.composition;
    const systemId = await client.systemId();
    const uids = [1, 2].map(() => formatVersionUid(crypto.randomUUID(), systemId, 1));
    const committed = await client.contributions.commit(
      ehrId,
      uids.map((uid) => ({ composition: { ...canonical, uid: { _type: "OBJECT_VERSION_ID", value: uid } } })),
      { committer: "ehr-sync-deno-test" },
    );
    assert.deepEqual(
      committed.versionUids.map((v) => v.value),
      uids,
    );
    const result = await client.aql.query<[string]>(
      "SELECT c/uid/value FROM EHR e CONTAINS COMPOSITION c WHERE e/ehr_id/value = $ehr",
      { parameters: { ehr: ehrId } },
    );
    assert.deepEqual(result.rows.map(([uid]) => uid).sort(), [...uids, seed.versionUid.value].sort());
  },
});
