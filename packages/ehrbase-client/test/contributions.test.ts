/**
 * What EHRbase does with a CONTRIBUTION, observed on the real server: every outcome is read back with
 * AQL (which uids are stored, at which version), never taken from the client's own answer alone.
 * The findings are written up in docs/contributions.md.
 */
import { randomUUID } from "node:crypto";
import { fixturesPresent } from "@ehr-sync/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import {
  type Composition,
  type ContributionVersion,
  classifyContributionError,
  type EhrbaseClient,
  EhrbaseValidationError,
  formatVersionUid,
  isEhrbaseError,
} from "../src/index.js";
import { newSubject, realClient, seedCanonicalVitalSigns, vitalSignsFlat } from "./helpers.js";

const AUDIT = { committer: "ehr-sync contribution tests" };
const SYSTOLIC = "o/data[at0001]/events[at0006]/data[at0003]/items[at0004]/value/magnitude";

let client: EhrbaseClient;
let systemId: string;
/** A canonical composition as EHRbase itself writes it: the fixture FLAT, POSTed once and read back. */
let canonical: Composition;

beforeAll(async () => {
  client = await realClient();
  if (!fixturesPresent()) return;
  systemId = await client.systemId();
  canonical = await seedCanonicalVitalSigns(client);
});

function newUid(): string {
  return formatVersionUid(randomUUID(), systemId, 1);
}

function withSystolic(composition: Composition, magnitude: number): Composition {
  return JSON.parse(JSON.stringify(composition).replace('"magnitude":120', `"magnitude":${magnitude}`));
}

function creation(uid: string, composition = canonical): ContributionVersion {
  return { composition: { ...composition, uid: { _type: "OBJECT_VERSION_ID", value: uid } } };
}

/** A composition that breaks its template: a unit the template does not allow. */
function invalid(uid: string): ContributionVersion {
  const broken = JSON.parse(JSON.stringify(canonical).replace('"units":"mm[Hg]"', '"units":"bogus"'));
  return creation(uid, broken);
}

/** Every composition stored in the EHR: version uid → systolic magnitude, read with AQL. */
async function stored(ehrId: string): Promise<Map<string, number>> {
  const result = await client.aql.query<[string, number]>(
    `SELECT c/uid/value, ${SYSTOLIC} FROM EHR e CONTAINS COMPOSITION c ` +
      "CONTAINS OBSERVATION o[openEHR-EHR-OBSERVATION.blood_pressure.v2] WHERE e/ehr_id/value = $ehr",
    { parameters: { ehr: ehrId } },
  );
  return new Map(result.rows.map(([uid, magnitude]) => [uid, magnitude]));
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  const outcome = await promise.then(
    () => ({ ok: true }),
    (error: unknown) => ({ ok: false, error }),
  );
  if (outcome.ok) throw new Error("expected the contribution to be refused");
  return (outcome as { error: unknown }).error;
}

describe.runIf(fixturesPresent())("contributions against EHRbase", () => {
  it("commits 10 creations in one contribution, keeping each deterministic uid", async () => {
    const { ehrId } = await client.ehrs.createForSubject(newSubject());
    const uids = Array.from({ length: 10 }, newUid);
    const result = await client.contributions.commit(
      ehrId,
      uids.map((uid, i) => creation(uid, withSystolic(canonical, 100 + i))),
      AUDIT,
    );
    expect(result.contributionUid).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.versionUids.map((v) => v.value)).toEqual(uids);
    const inEhr = await stored(ehrId);
    expect([...inEhr.keys()].sort()).toEqual([...uids].sort());
    expect(uids.map((uid) => inEhr.get(uid))).toEqual(uids.map((_, i) => 100 + i));
  });

  it("stores nothing when one version of 10 is invalid (atomic, 400), and single POSTs then isolate it", async () => {
    const { ehrId } = await client.ehrs.createForSubject(newSubject());
    const uids = Array.from({ length: 10 }, newUid);
    const versions = uids.map((uid, i) => (i === 6 ? invalid(uid) : creation(uid)));
    const error = await failure(client.contributions.commit(ehrId, versions, AUDIT));
    expect(isEhrbaseError(error) && error.status).toBe(400);
    expect(classifyContributionError(error, versions)).toEqual({
      outcome: "refused",
      reason: "invalid_version",
    });
    expect((await stored(ehrId)).size).toBe(0);

    // The fallback the classification asks for: one POST per version; only the bad one fails (422).
    const singles = await Promise.allSettled(
      versions.map((v) => client.compositions.create(ehrId, v.composition, { format: "JSON" })),
    );
    expect(singles.map((s) => s.status)).toEqual(uids.map((_, i) => (i === 6 ? "rejected" : "fulfilled")));
    expect((singles[6] as PromiseRejectedResult).reason).toBeInstanceOf(EhrbaseValidationError);
    expect([...(await stored(ehrId)).keys()].sort()).toEqual(uids.filter((_, i) => i !== 6).sort());
  });

  it("stores nothing when one version's uid exists already (412), and names that version", async () => {
    const { ehrId } = await client.ehrs.createForSubject(newSubject());
    const existing = newUid();
    await client.contributions.commit(ehrId, [creation(existing, withSystolic(canonical, 99))], AUDIT);
    const uids = Array.from({ length: 10 }, (_, i) => (i === 4 ? existing : newUid()));
    const versions = uids.map((uid) => creation(uid));
    const error = await failure(client.contributions.commit(ehrId, versions, AUDIT));
    expect(isEhrbaseError(error) && error.status).toBe(412);
    expect(classifyContributionError(error, versions)).toEqual({
      outcome: "refused",
      reason: "uid_exists",
      versionIndex: 4,
    });
    // Only the earlier composition, untouched: no neighbour landed, no second version of it.
    expect([...(await stored(ehrId)).entries()]).toEqual([[existing, 99]]);
  });

  it("modifies with the right preceding version, and refuses a stale one (412) storing nothing", async () => {
    const { ehrId } = await client.ehrs.createForSubject(newSubject());
    const first = newUid();
    await client.contributions.commit(ehrId, [creation(first)], AUDIT);
    const modified = await client.contributions.commit(
      ehrId,
      [{ changeType: "modification", precedingVersionUid: first, composition: withSystolic(canonical, 130) }],
      AUDIT,
    );
    const second = formatVersionUid(first.split("::")[0]!, systemId, 2);
    expect(modified.versionUids.map((v) => v.value)).toEqual([second]);
    expect([...(await stored(ehrId)).entries()]).toEqual([[second, 130]]);

    const fresh = Array.from({ length: 9 }, newUid);
    const versions: ContributionVersion[] = [
      ...fresh.map((uid) => creation(uid)),
      { changeType: "modification", precedingVersionUid: first, composition: withSystolic(canonical, 140) },
    ];
    const error = await failure(client.contributions.commit(ehrId, versions, AUDIT));
    expect(isEhrbaseError(error) && error.status).toBe(412);
    expect(classifyContributionError(error, versions)).toEqual({
      outcome: "refused",
      reason: "stale_preceding_version",
      versionIndex: 9,
    });
    expect([...(await stored(ehrId)).entries()]).toEqual([[second, 130]]);
  });

  it("refuses a modification of a composition that does not exist (404), naming it", async () => {
    const { ehrId } = await client.ehrs.createForSubject(newSubject());
    const versions: ContributionVersion[] = [
      creation(newUid()),
      { changeType: "modification", precedingVersionUid: newUid(), composition: canonical },
    ];
    const error = await failure(client.contributions.commit(ehrId, versions, AUDIT));
    expect(isEhrbaseError(error) && error.status).toBe(404);
    expect(classifyContributionError(error, versions)).toEqual({
      outcome: "refused",
      reason: "preceding_version_not_found",
      versionIndex: 1,
    });
    expect((await stored(ehrId)).size).toBe(0);
  });

  it("answers 404 for an unknown EHR: not committed, and not the versions' fault", async () => {
    const versions = [creation(newUid())];
    const error = await failure(client.contributions.commit(randomUUID(), versions, AUDIT));
    expect(isEhrbaseError(error) && error.status).toBe(404);
    expect(classifyContributionError(error, versions)).toEqual({
      outcome: "not_committed",
      reason: "ehr_not_found",
    });
    const uid = versions[0]!.composition.uid!.value;
    const found = await client.aql.query("SELECT c/uid/value FROM COMPOSITION c WHERE c/uid/value = $uid", {
      parameters: { uid },
    });
    expect(found.rows).toEqual([]);
  });

  it("answers 409 for an EHR that does not allow modification: not committed, nothing stored", async () => {
    const readOnly = await client.ehrs.create({ subject: newSubject(), modifiable: false });
    const versions = [creation(newUid())];
    const error = await failure(client.contributions.commit(readOnly.ehr_id.value, versions, AUDIT));
    expect(isEhrbaseError(error) && error.status).toBe(409);
    expect(classifyContributionError(error, versions)).toEqual({
      outcome: "not_committed",
      reason: "ehr_not_modifiable",
    });
    expect((await stored(readOnly.ehr_id.value)).size).toBe(0);
  });

  it("refuses FLAT before sending, naming the field", async () => {
    const { ehrId } = await client.ehrs.createForSubject(newSubject());
    const flat = (await vitalSignsFlat()) as unknown as Composition;
    const error = await failure(client.contributions.commit(ehrId, [{ composition: flat }], AUDIT));
    expect(classifyContributionError(error)).toEqual({ outcome: "not_committed", reason: "invalid_input" });
    expect((error as { field?: string }).field).toBe("versions[0].composition");
    expect((await stored(ehrId)).size).toBe(0);
  });
});
