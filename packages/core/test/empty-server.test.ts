/**
 * The engine against a server that has no EHR yet, so cannot tell its system id: the first note must
 * still be delivered (its patient's EHR is ensured first and the id learnt from it), an invalid note
 * must still go dead with its field names, and an error that says nothing was sent must not be
 * counted as an attempt that may have arrived.
 *
 * The store and gateway here are in-memory models (this package does no I/O); the same flow runs
 * against the real EHRbase in the adapters' suites once the server has EHRs.
 */
import { describe, expect, it } from "vitest";
import type {
  AttemptRecord,
  CompletedDelivery,
  EhrGateway,
  QueueJob,
  QueueStore,
} from "../src/engine/ports.js";
import { processJob } from "../src/engine/process-job.js";
import { ehrSubjectKey } from "../src/engine/subject-key.js";
import { createSoapMapping } from "../src/mapping/soap-mapping.js";
import { baseNote } from "./helpers/notes.js";

const SYSTEM_ID = "fresh.ehrbase.example";

class EmptyServer implements EhrGateway {
  readonly ehrs = new Map<string, string>();
  readonly compositions = new Map<string, { ehrId: string; uid: string }>();
  /** What a gateway answers before any EHR exists: the id cannot be read yet. */
  async systemId(): Promise<string> {
    if (this.ehrs.size === 0) {
      throw Object.assign(new Error("the server has no EHR yet"), { code: "not_found", requestSent: false });
    }
    return SYSTEM_ID;
  }
  async ensureEhr(subject: { id: string; namespace: string }): Promise<string> {
    const key = `${subject.namespace}/${subject.id}`;
    const ehrId = this.ehrs.get(key) ?? `ehr-${this.ehrs.size + 1}`;
    this.ehrs.set(key, ehrId);
    return ehrId;
  }
  async findComposition() {
    return null;
  }
  async createComposition(ehrId: string, _flat: Record<string, unknown>, options: { uid: string }) {
    this.compositions.set(options.uid, { ehrId, uid: options.uid });
    return { versionUid: options.uid };
  }
  async updateComposition(): Promise<{ versionUid: string }> {
    throw new Error("not used");
  }
}

class MemoryStore implements QueueStore {
  readonly attempts: AttemptRecord[] = [];
  readonly completed: CompletedDelivery[] = [];
  readonly remembered = new Map<string, string>();
  readonly rescheduled: { errorClass: string }[] = [];
  dead: { errorClass: string; reason: string } | undefined;
  paused: { errorClass: string } | undefined;
  async recordAttempt(_job: QueueJob, attempt: AttemptRecord) {
    this.attempts.push(attempt);
  }
  async complete(_job: QueueJob, delivery: CompletedDelivery) {
    this.completed.push(delivery);
    return true;
  }
  // Like the SQL, each failure transition logs its attempt.
  async reschedule(_job: QueueJob, retry: { errorClass: string; attempt: AttemptRecord }) {
    this.attempts.push(retry.attempt);
    this.rescheduled.push(retry);
    return true;
  }
  async bury(_job: QueueJob, failure: { errorClass: string; reason: string; attempt: AttemptRecord }) {
    this.attempts.push(failure.attempt);
    this.dead = failure;
    return true;
  }
  async pauseDestination(_job: QueueJob, pause: { errorClass: string; attempt: AttemptRecord }) {
    this.attempts.push(pause.attempt);
    this.paused = pause;
    return true;
  }
  async release() {
    return true;
  }
  async ehrIdFor(patientKey: string) {
    return this.remembered.get(patientKey) ?? null;
  }
  async rememberEhr(patientKey: string, ehrId: string) {
    this.remembered.set(patientKey, ehrId);
  }
}

function jobFor(payload: unknown): QueueJob {
  return {
    id: "1",
    noteId: "note-1",
    noteVersion: 1,
    patientKey: "patient-key-1",
    payload,
    attempts: 0,
    attemptsAtWindowStart: 0,
    firstEnqueuedAt: new Date(),
    enqueuedAt: new Date(),
    leaseToken: "00000000-0000-4000-8000-000000000001",
    reconcileFirst: false,
  };
}

describe("the engine on an EHRbase with no EHR yet", () => {
  it("ensures the patient's EHR first, learns the system id from it, and delivers the note", async () => {
    const server = new EmptyServer();
    const store = new MemoryStore();
    const note = baseNote();
    const outcome = await processJob(jobFor(note), {
      store,
      gateway: server,
      mapping: createSoapMapping(),
    });
    expect(outcome.type).toBe("succeeded");
    expect(server.ehrs.size).toBe(1);
    const [stored] = [...server.compositions.values()];
    expect(stored?.uid).toMatch(new RegExp(`^[0-9a-f-]{36}::${SYSTEM_ID.replaceAll(".", "\\.")}::1$`));
    expect(stored?.ehrId).toBe("ehr-1");
    expect(store.remembered.get(ehrSubjectKey(note.patient))).toBe("ehr-1");
    expect(store.completed).toHaveLength(1);
    expect(store.completed[0]?.compositionUid).toBe(stored?.uid);
    expect(store.completed[0]?.attempt).toMatchObject({ action: "create", outcome: "success" });
  });

  it("maps the note once, after learning the system id", async () => {
    const server = new EmptyServer();
    const store = new MemoryStore();
    const shipped = createSoapMapping();
    let mapped = 0;
    const counting: typeof shipped = {
      ...shipped,
      prepare: (input, options) => {
        mapped += 1;
        return shipped.prepare(input, options);
      },
    };
    const outcome = await processJob(jobFor(baseNote()), { store, gateway: server, mapping: counting });
    expect(outcome.type).toBe("succeeded");
    expect(mapped).toBe(1);
  });

  it("still sends an invalid note dead with the field it names, without creating an EHR", async () => {
    const server = new EmptyServer();
    const store = new MemoryStore();
    const note = baseNote({ vitals: { pulse: { value: -5, unit: "/min" } } });
    const outcome = await processJob(jobFor(note), { store, gateway: server, mapping: createSoapMapping() });
    expect(outcome.type).toBe("dead");
    expect(store.dead?.errorClass).toBe("invalid-input");
    expect(store.dead?.reason).toMatch(/vitals\.pulse/);
    expect(server.ehrs.size).toBe(0);
    expect(server.compositions.size).toBe(0);
  });

  it("treats an error that says nothing was sent as not sent: the destination pauses, no attempt is spent", async () => {
    const store = new MemoryStore();
    const unreachable = new (class extends EmptyServer {
      override async systemId(): Promise<string> {
        throw Object.assign(new Error("socket closed before the request was written"), {
          requestSent: false,
        });
      }
    })();
    // the job has already used its whole budget (10 attempts by default): an 11th counted attempt would
    // bury it, so only an attempt that is not spent leaves it alive
    const exhausted = { ...jobFor(baseNote()), attempts: 10 };
    const outcome = await processJob(exhausted, {
      store,
      gateway: unreachable,
      mapping: createSoapMapping(),
    });
    expect(outcome.type).toBe("paused");
    expect(store.paused).toMatchObject({ errorClass: "network-before-send" });
    expect(store.rescheduled).toEqual([]);
    expect(store.dead).toBeUndefined();
    expect(store.completed).toEqual([]);
    expect(store.attempts).toEqual([
      expect.objectContaining({ outcome: "transient", errorClass: "network-before-send" }),
    ]);
  });
});

describe("the engine and the patient's identity", () => {
  it("never files a note in an EHR id that came with a job keyed by another subject", async () => {
    const server = new EmptyServer();
    const store = new MemoryStore();
    const note = baseNote();
    const other = { ...note.patient, namespace: `${note.patient.namespace}-other-clinic` };
    // The job claims to know the EHR of the same patient id in another namespace.
    const job = { ...jobFor(note), patientKey: ehrSubjectKey(other), knownEhrId: "ehr-of-the-other-clinic" };
    const outcome = await processJob(job, { store, gateway: server, mapping: createSoapMapping() });
    expect(outcome.type).toBe("succeeded");
    const [stored] = [...server.compositions.values()];
    expect(stored?.ehrId).not.toBe("ehr-of-the-other-clinic");
    expect([...server.ehrs.values()]).toContain(stored?.ehrId);
    expect(store.remembered.get(ehrSubjectKey(note.patient))).toBe(stored?.ehrId);
  });
});
