/**
 * A patient's EHR id never changes once ensured, so each worker remembers the ones it has seen and
 * asks the database (ehr_sync.patient_ehr) only for patients it has not met yet. Bounded, oldest
 * entries dropped first.
 */
import type { Db } from "./db.js";
import { ehrIdFor, rememberEhr } from "./patient-ehr.js";

export class PatientEhrCache {
  private readonly known = new Map<string, string>();

  constructor(
    private readonly db: Db,
    private readonly maxEntries = 10_000,
  ) {}

  async ehrIdFor(patientKey: string): Promise<string | null> {
    const cached = this.known.get(patientKey);
    if (cached) return cached;
    const stored = await ehrIdFor(this.db, patientKey);
    if (stored) this.keep(patientKey, stored);
    return stored;
  }

  async rememberEhr(patientKey: string, ehrId: string): Promise<void> {
    await rememberEhr(this.db, patientKey, ehrId);
    // Another worker may have remembered a different EHR first (ON CONFLICT DO NOTHING): keep
    // whatever the database holds, which is what every worker will use.
    const stored = await ehrIdFor(this.db, patientKey);
    if (stored) this.keep(patientKey, stored);
  }

  private keep(patientKey: string, ehrId: string): void {
    if (this.known.size >= this.maxEntries) {
      const oldest = this.known.keys().next().value;
      if (oldest !== undefined) this.known.delete(oldest);
    }
    this.known.set(patientKey, ehrId);
  }
}
