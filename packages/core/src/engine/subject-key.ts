/**
 * The EHR subject (namespace + id) as one key: what the queue orders a patient's notes by and what the
 * patient → EHR map is keyed by. Mirrors `ehr_sync.subject_key()` (packages/core/sql/0006_integrity.sql):
 * '|' cannot occur in an openEHR namespace, so two subjects never share a key.
 */
export function ehrSubjectKey(subject: { id: string; namespace: string }): string {
  return `${subject.namespace ?? ""}|${subject.id}`;
}
