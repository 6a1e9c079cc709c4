/**
 * One run's notes: fresh patients (so no path meets EHRs or compositions another path made), their
 * EHRs when the case says they exist, the rows to sign into public.soap_notes, and the same notes
 * mapped as a hand-written integration would send them. Every path of every round gets its own.
 */
import { randomUUID } from "node:crypto";
import { prepareSoapComposition, soapNoteFromRow } from "@ehr-sync/core";
import { sampleNoteRow } from "../../test/helpers/bed.js";
import { type BenchContext, pooled } from "./context.js";
import type { BenchSettings, CaseName } from "./settings.js";

export const PATIENT_NAMESPACE = "ehr_sync_node_test";
/** public.soap_notes' column defaults, which queued payloads carry. */
const NOTE_DEFAULTS = { version: 1, language: "en", territory: "US" };

export interface BenchCase {
  name: CaseName;
  /** known: EHRs exist before the clock starts; new: each path creates them on the way. */
  ehrs: "known" | "new";
  /** interleaved: note i belongs to patient i mod P (a steady flow); grouped: a patient's notes in a row. */
  layout: "interleaved" | "grouped";
}

export function benchCase(name: CaseName, settings: BenchSettings): BenchCase {
  switch (name) {
    case "known":
      return { name, ehrs: "known", layout: "interleaved" };
    case "new":
      return { name, ehrs: "new", layout: "interleaved" };
    case "backlog":
      return { name, ehrs: settings.backlogPatients, layout: "grouped" };
  }
}

/** A note as the raw paths send it: mapped and validated before any clock starts. */
export interface PreparedNote {
  patientId: string;
  templateId: string;
  compositionUid: string;
  /** The FLAT composition as the mapping built it (uid at `<root>/_uid`), as the engine sends it. */
  flat: Record<string, unknown>;
}

export interface Workload {
  patientIds: string[];
  /** Patient id → EHR id, for the patients whose EHR exists before the clock (case `known`). */
  ehrs: Map<string, string>;
  /** Rows for public.soap_notes (signed), in signing order. */
  rows: Record<string, unknown>[];
  /** The same notes mapped, in the same order. */
  prepared: PreparedNote[];
}

export async function makeWorkload(
  context: BenchContext,
  kind: BenchCase,
  settings: BenchSettings,
): Promise<Workload> {
  const patientCount = Math.ceil(settings.notes / settings.notesPerPatient);
  const patientIds = Array.from({ length: patientCount }, () => `pat-${randomUUID()}`);
  const ehrs = new Map<string, string>();
  if (kind.ehrs === "known") {
    await pooled(patientIds.length, 4, async (i) => {
      const id = patientIds[i] as string;
      const { ehrId } = await context.client.ehrs.createForSubject({ id, namespace: PATIENT_NAMESPACE });
      ehrs.set(id, ehrId);
    });
  }
  const patientOf = (i: number) =>
    kind.layout === "interleaved"
      ? (patientIds[i % patientCount] as string)
      : (patientIds[Math.floor(i / settings.notesPerPatient)] as string);
  const rows = Array.from({ length: settings.notes }, (_, i) => sampleNoteRow(patientOf(i)));
  return { patientIds, ehrs, rows, prepared: rows.map((row) => prepareNote(row, context.systemId)) };
}

/** A soap_notes row → the FLAT composition the engine would send for it (same mapping, same uid). */
export function prepareNote(row: Record<string, unknown>, systemId: string): PreparedNote {
  const payload = {
    ...NOTE_DEFAULTS,
    ...row,
    diagnoses: JSON.parse(String(row.diagnoses)),
    vitals: JSON.parse(String(row.vitals)),
  };
  const result = prepareSoapComposition(soapNoteFromRow(payload), { systemId });
  if (!result.ok) throw new Error(`sample note invalid: ${result.errors.map((e) => e.field).join(", ")}`);
  // The mapping puts the uid at `<root>/_uid` (root = the first segment of a non-ctx key).
  const root = Object.keys(result.flat)
    .find((key) => !key.startsWith("ctx/"))
    ?.split("/")[0];
  if (!root || result.flat[`${root}/_uid`] !== result.compositionUid) {
    throw new Error("sample note: the mapped FLAT does not carry its composition uid at <root>/_uid");
  }
  return {
    patientId: result.ehrSubject.id,
    templateId: result.templateId,
    compositionUid: result.compositionUid,
    flat: result.flat,
  };
}
