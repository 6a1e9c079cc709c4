/**
 * The baselines: what a user writes by hand against EHRbase's REST API, with plain fetch at the same
 * concurrency as the worker. Bodies (FLAT or canonical) are built before the clock starts; EHR
 * creation for new patients is inside it.
 */
import type { Composition } from "@ehr-sync/ehrbase-client";
import type { CanonicalSource } from "./canonical.js";
import { startClock, type Timing } from "./clock.js";
import { type BenchContext, pooled } from "./context.js";
import { PATIENT_NAMESPACE, type Workload } from "./workload.js";

/** One path over one workload: its notes, wall time and EHRbase CPU while the clock ran. */
export type PathRun = (context: BenchContext, workload: Workload, concurrency: number) => Promise<Timing>;

/**
 * The hand-written way to a new patient's EHR: POST /ehr with the subject, and on 409 (the subject has
 * one) look it up. Each patient's creation is shared by that patient's notes (an integration keeps the
 * id it got), so a patient costs one POST /ehr.
 */
function ehrResolver(context: BenchContext, workload: Workload): (patientId: string) => Promise<string> {
  const pending = new Map<string, Promise<string>>();
  return (patientId) => {
    const known = workload.ehrs.get(patientId);
    if (known) return Promise.resolve(known);
    let ehr = pending.get(patientId);
    if (!ehr) {
      ehr = createEhrByHand(context, patientId);
      pending.set(patientId, ehr);
    }
    return ehr;
  };
}

async function createEhrByHand(context: BenchContext, patientId: string): Promise<string> {
  const response = await fetch(`${context.restUrl}/ehr`, {
    method: "POST",
    headers: { authorization: context.authorization, "content-type": "application/json" },
    body: JSON.stringify({
      _type: "EHR_STATUS",
      archetype_node_id: "openEHR-EHR-EHR_STATUS.generic.v1",
      name: { value: "EHR Status" },
      subject: {
        _type: "PARTY_SELF",
        external_ref: {
          id: { _type: "GENERIC_ID", value: patientId, scheme: PATIENT_NAMESPACE },
          namespace: PATIENT_NAMESPACE,
          type: "PERSON",
        },
      },
      is_queryable: true,
      is_modifiable: true,
    }),
  });
  await response.body?.cancel();
  if (response.status === 201 || response.status === 204) {
    return (response.headers.get("etag") ?? "").replace(/^W\//, "").replace(/"/g, "");
  }
  if (response.status !== 409) throw new Error(`raw POST /ehr answered HTTP ${response.status}`);
  const query = new URLSearchParams({ subject_id: patientId, subject_namespace: PATIENT_NAMESPACE });
  const found = await fetch(`${context.restUrl}/ehr?${query}`, {
    headers: { authorization: context.authorization, accept: "application/json" },
  });
  if (found.status !== 200) throw new Error(`raw GET /ehr by subject answered HTTP ${found.status}`);
  return ((await found.json()) as { ehr_id: { value: string } }).ehr_id.value;
}

async function postAll(
  context: BenchContext,
  workload: Workload,
  concurrency: number,
  requests: { patientId: string; query: string; body: string }[],
  what: string,
): Promise<Timing> {
  const ehrOf = ehrResolver(context, workload);
  const clock = startClock();
  await pooled(requests.length, concurrency, async (i) => {
    const request = requests[i] as (typeof requests)[number];
    const ehrId = await ehrOf(request.patientId);
    const response = await fetch(`${context.restUrl}/ehr/${ehrId}/composition${request.query}`, {
      method: "POST",
      headers: {
        authorization: context.authorization,
        "content-type": "application/json",
        accept: "application/json",
      },
      body: request.body,
    });
    await response.body?.cancel();
    if (response.status !== 201 && response.status !== 204) {
      throw new Error(`raw ${what} POST at concurrency ${concurrency}: HTTP ${response.status}`);
    }
  });
  return clock.stop(requests.length);
}

/** One FLAT POST per note (`?format=FLAT&templateId=…`), the composition uid in `…/_uid`. */
export const rawFlat: PathRun = (context, workload, concurrency) =>
  postAll(
    context,
    workload,
    concurrency,
    workload.prepared.map((note) => ({
      patientId: note.patientId,
      query: `?format=FLAT&templateId=${encodeURIComponent(note.templateId)}`,
      body: JSON.stringify(note.flat),
    })),
    "FLAT",
  );

/** One canonical JSON POST per note (uid in the body). */
export function rawCanonical(source: CanonicalSource): PathRun {
  return (context, workload, concurrency) =>
    postAll(
      context,
      workload,
      concurrency,
      workload.prepared.map((note) => ({
        patientId: note.patientId,
        query: "",
        body: JSON.stringify(source.toCanonical(note)),
      })),
      "canonical",
    );
}

/** One CONTRIBUTION per patient holding all that patient's notes (client.contributions.commit). */
export function contributionPerPatient(source: CanonicalSource): PathRun {
  return async (context, workload, concurrency) => {
    const byPatient = new Map<string, Composition[]>();
    for (const note of workload.prepared) {
      const list = byPatient.get(note.patientId) ?? [];
      list.push(source.toCanonical(note));
      byPatient.set(note.patientId, list);
    }
    const patients = [...byPatient];
    const ehrOf = ehrResolver(context, workload);
    const clock = startClock();
    await pooled(patients.length, concurrency, async (i) => {
      const [patientId, compositions] = patients[i] as (typeof patients)[number];
      const ehrId = await ehrOf(patientId);
      await context.client.contributions.commit(
        ehrId,
        compositions.map((composition) => ({ composition })),
        { committer: "ehr-sync bench", systemId: context.systemId },
      );
    });
    return clock.stop(workload.prepared.length);
  };
}
