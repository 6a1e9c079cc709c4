// TypeScript consumer (CommonJS side): the `require` conditions resolve to the .d.cts types.
import { createWorker, migrate } from "@ehr-sync/adapter-node";
import { createEhrSyncHandler } from "@ehr-sync/adapter-supabase";
import { validateSoapNote } from "@ehr-sync/core";
import { SOAP_TEMPLATE_OPT } from "@ehr-sync/core/template";
import { EhrbaseClient, isEhrbaseError } from "@ehr-sync/ehrbase-client";

// @ts-expect-error a number is neither a connection string nor a pg.ClientConfig
void migrate(12345);

export function check(input: unknown, error: unknown): string {
  const result = validateSoapNote(input);
  if (isEhrbaseError(error) && error.code === "validation_failed") return error.violations[0]?.path ?? "";
  return result.ok ? result.note.noteId : (result.errors[0]?.field ?? "");
}

export const used = [createWorker, createEhrSyncHandler, EhrbaseClient, SOAP_TEMPLATE_OPT.length];
