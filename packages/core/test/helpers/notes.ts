/** A realistic, valid SOAP note to build test cases from: testkit's one sample note, in core's type. */
import { sampleNote } from "@ehr-sync/testkit/sample-note";
import type { SoapNote } from "../../src/soap/note.js";

export function baseNote(overrides: Partial<SoapNote> = {}): SoapNote {
  return { ...sampleNote("ehr_sync_test"), ...overrides };
}
