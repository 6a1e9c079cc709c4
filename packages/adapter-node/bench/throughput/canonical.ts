/**
 * Where the raw canonical path (and the contribution baseline) get canonical JSON for a note:
 * - `server`: the FLAT of one sample note is POSTed to EHRbase once, outside any timing, read back as
 *   canonical JSON, and reused for every note with that note's uid (what a user without a converter
 *   could do; the body is the same note's, so EHRbase does the same work per composition);
 * - `core`: core's `compileCanonicalConverter(webTemplate, { opt })` (issue 13), compiled once for the
 *   SOAP template and run on each note's FLAT before the clock starts. Picked automatically (`auto`) as soon
 *   as core exports it, so the later step only has to run this benchmark.
 * Every source is checked once against EHRbase before it is used for timing.
 */
import { randomUUID } from "node:crypto";
import * as core from "@ehr-sync/core";
import { SOAP_TEMPLATE_OPT } from "@ehr-sync/core/template";
import type { Composition, FlatComposition } from "@ehr-sync/ehrbase-client";
import type { BenchContext } from "./context.js";
import type { BenchSettings } from "./settings.js";
import { PATIENT_NAMESPACE, type PreparedNote } from "./workload.js";

export interface CanonicalSource {
  /** Says in the report where the canonical bodies came from. */
  label: string;
  toCanonical(note: PreparedNote): Composition;
}

const withUid = (composition: Composition, uid: string): Composition => ({
  ...composition,
  uid: { _type: "OBJECT_VERSION_ID", value: uid },
});

/**
 * core's converter when it exists: `compileCanonicalConverter(webTemplate, { opt })` → (flat) → canonical.
 * The OPT gives structural nodes their archetype names (EHRbase requires the coded ones).
 */
function coreConverter(): ((flat: Record<string, unknown>) => Composition) | undefined {
  const compile = (core as Record<string, unknown>).compileCanonicalConverter;
  if (typeof compile !== "function") return undefined;
  const compiled = compile(core.SOAP_WEB_TEMPLATE, { opt: SOAP_TEMPLATE_OPT }) as unknown;
  if (typeof compiled !== "function") {
    throw new TypeError(
      "compileCanonicalConverter(SOAP_WEB_TEMPLATE, { opt }) did not return a function: adapt coreConverter() in bench/throughput/canonical.ts, or run with BENCH_CANONICAL=server",
    );
  }
  return compiled as (flat: Record<string, unknown>) => Composition;
}

async function serverRoundTrip(context: BenchContext, sample: PreparedNote): Promise<CanonicalSource> {
  const { ehrId } = await context.client.ehrs.createForSubject({
    id: `pat-canonical-${randomUUID()}`,
    namespace: PATIENT_NAMESPACE,
  });
  const created = await context.client.compositions.create(ehrId, sample.flat as FlatComposition, {
    format: "FLAT",
    templateId: sample.templateId,
  });
  const read = await context.client.compositions.get<Composition>(ehrId, created.versionUid.value);
  if (!read || read.deleted)
    throw new Error("canonical sample: the composition just created is not readable");
  const { uid: _stored, ...canonical } = read.composition;
  return {
    label: "EHRbase's canonical JSON of one sample note, read back once and reused with each note's uid",
    toCanonical: (note) => withUid(canonical as Composition, note.compositionUid),
  };
}

export async function canonicalSource(
  context: BenchContext,
  settings: BenchSettings,
  sample: PreparedNote,
): Promise<CanonicalSource> {
  const converter = settings.canonical === "server" ? undefined : coreConverter();
  if (settings.canonical === "core" && !converter) {
    throw new Error("BENCH_CANONICAL=core, but @ehr-sync/core exports no compileCanonicalConverter yet");
  }
  const source: CanonicalSource = converter
    ? {
        label: "core's `compileCanonicalConverter` on each note's FLAT (before the clock)",
        toCanonical: (note) => withUid(converter(note.flat), note.compositionUid),
      }
    : await serverRoundTrip(context, sample);
  await checkAccepted(context, source, sample);
  return source;
}

/** One canonical POST outside the timing: a body EHRbase refuses would fail every round anyway. */
async function checkAccepted(context: BenchContext, source: CanonicalSource, sample: PreparedNote) {
  const { ehrId } = await context.client.ehrs.createForSubject({
    id: `pat-canonical-${randomUUID()}`,
    namespace: PATIENT_NAMESPACE,
  });
  const fresh = { ...sample, compositionUid: `${randomUUID()}::${context.systemId}::1` };
  await context.client.compositions.create(ehrId, source.toCanonical(fresh), { format: "JSON" });
}
