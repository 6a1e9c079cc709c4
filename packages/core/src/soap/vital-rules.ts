/**
 * Accepted units (UCUM, as the template's archetypes list them) and plausibility ranges per vital
 * sign. The ranges are physiological limits, tighter than the archetypes' technical ones, so an
 * entry error (a temperature in °F typed as Cel, a weight in g typed as kg) is caught at the source.
 */
import type { VitalSigns } from "./note.js";

export type VitalName = Exclude<keyof VitalSigns, "measuredAt">;

export interface VitalRule {
  /** Numeric fields of the vital (`value`, or `systolic` + `diastolic`). */
  parts: readonly string[];
  /** unit → inclusive [min, max] for every part. */
  units: Readonly<Record<string, readonly [number, number]>>;
}

export const VITAL_RULES: Readonly<Record<VitalName, VitalRule>> = {
  bloodPressure: { parts: ["systolic", "diastolic"], units: { "mm[Hg]": [10, 350] } },
  pulse: { parts: ["value"], units: { "/min": [10, 350] } },
  temperature: { parts: ["value"], units: { Cel: [25, 46], "[degF]": [77, 115] } },
  respirationRate: { parts: ["value"], units: { "/min": [1, 100] } },
  spo2: { parts: ["value"], units: { "%": [40, 100] } },
  weight: { parts: ["value"], units: { kg: [0.2, 650], g: [200, 650_000], "[lb_av]": [0.5, 1450] } },
  height: { parts: ["value"], units: { cm: [20, 275], "[in_i]": [8, 108] } },
};
