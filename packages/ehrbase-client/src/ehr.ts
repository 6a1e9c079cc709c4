import { EhrbaseInputError, isEhrbaseError } from "./errors.js";
import type { HttpTransport } from "./http.js";
import type { Ehr, EhrStatus } from "./types.js";

export interface Subject {
  /** The patient's id in your system (stored as PARTY_REF GENERIC_ID value). */
  id: string;
  /** EHRbase allows `[a-zA-Z][a-zA-Z0-9-_:/&+?]*` only: no dots. */
  namespace: string;
  /** GENERIC_ID scheme; defaults to the namespace. */
  scheme?: string;
}

export interface CreateEhrOptions {
  subject: Subject;
  queryable?: boolean;
  modifiable?: boolean;
}

// EHRbase's namespace rule (ValidationServiceImp NAMESPACE_PATTERN); checked here so a bad namespace
// fails fast with a clear error instead of a 400 after a round trip.
const NAMESPACE = /^[a-zA-Z][a-zA-Z0-9\-_:/&+?]*$/;

export function validateSubject(subject: Subject): void {
  if (typeof subject?.id !== "string" || subject.id.trim() === "") {
    throw new EhrbaseInputError("subject.id", "must be a non-empty string");
  }
  if (typeof subject.namespace !== "string" || !NAMESPACE.test(subject.namespace)) {
    throw new EhrbaseInputError(
      "subject.namespace",
      "must start with a letter and contain only letters, digits and - _ : / & + ? (EHRbase rejects dots)",
    );
  }
}

function ehrStatusFor(options: CreateEhrOptions): EhrStatus {
  return {
    _type: "EHR_STATUS",
    archetype_node_id: "openEHR-EHR-EHR_STATUS.generic.v1",
    name: { value: "EHR Status" },
    subject: {
      _type: "PARTY_SELF",
      external_ref: {
        id: {
          _type: "GENERIC_ID",
          value: options.subject.id,
          scheme: options.subject.scheme ?? options.subject.namespace,
        },
        namespace: options.subject.namespace,
        type: "PERSON",
      },
    },
    is_queryable: options.queryable ?? true,
    is_modifiable: options.modifiable ?? true,
  };
}

const JSON_HEADERS = { "content-type": "application/json", accept: "application/json" };

export class EhrApi {
  constructor(
    private readonly http: HttpTransport,
    /** Every EHR answer carries the server's system id; the client remembers it. */
    private readonly onSystemId: (systemId: string | undefined) => void = () => {},
  ) {}

  private seen(ehr: Ehr): Ehr {
    this.onSystemId(ehr.system_id?.value);
    return ehr;
  }

  /** POST /ehr with an EHR_STATUS for the subject. A subject that has an EHR already → EhrbaseConflictError (409). */
  async create(options: CreateEhrOptions): Promise<Ehr> {
    validateSubject(options.subject);
    const response = await this.http.request({
      method: "POST",
      path: "/ehr",
      headers: { ...JSON_HEADERS, prefer: "return=representation" },
      body: JSON.stringify(ehrStatusFor(options)),
    });
    return this.seen(JSON.parse(response.text) as Ehr);
  }

  /** GET /ehr/{id}; null when EHRbase does not know it. */
  async get(ehrId: string): Promise<Ehr | null> {
    const response = await this.http.request({
      method: "GET",
      path: `/ehr/${encodeURIComponent(ehrId)}`,
      headers: { accept: "application/json" },
      safe: true,
      accept: [404],
    });
    return response.status === 404 ? null : this.seen(JSON.parse(response.text) as Ehr);
  }

  /** GET /ehr?subject_id=&subject_namespace=; null when the subject has no EHR. */
  async getBySubject(subject: Subject): Promise<Ehr | null> {
    validateSubject(subject);
    const response = await this.http.request({
      method: "GET",
      path: "/ehr",
      query: { subject_id: subject.id, subject_namespace: subject.namespace },
      headers: { accept: "application/json" },
      safe: true,
      accept: [404],
    });
    return response.status === 404 ? null : this.seen(JSON.parse(response.text) as Ehr);
  }

  /**
   * The subject's EHR in one round trip for a new subject: POST first, and only when EHRbase answers
   * 409 (the subject has an EHR; its unique index on the subject decides races) look it up. `ensure()`
   * is the other order, cheaper when most subjects already have an EHR.
   */
  async createForSubject(subject: Subject): Promise<{ ehrId: string; created: boolean }> {
    try {
      const ehr = await this.create({ subject });
      return { ehrId: ehr.ehr_id.value, created: true };
    } catch (error) {
      if (!(isEhrbaseError(error) && error.code === "conflict")) throw error;
      const existing = await this.getBySubject(subject);
      if (!existing) throw error;
      return { ehrId: existing.ehr_id.value, created: false };
    }
  }

  /**
   * The subject's EHR, created when missing. Two callers racing both end with the same EHR: EHRbase's
   * unique index on the subject makes the loser's POST a 409, after which it reads the winner's EHR.
   */
  async ensure(subject: Subject): Promise<{ ehrId: string; created: boolean }> {
    const existing = await this.getBySubject(subject);
    if (existing) return { ehrId: existing.ehr_id.value, created: false };
    try {
      const ehr = await this.create({ subject });
      return { ehrId: ehr.ehr_id.value, created: true };
    } catch (error) {
      if (!(isEhrbaseError(error) && error.code === "conflict")) throw error;
      const winner = await this.getBySubject(subject);
      if (!winner) throw error;
      return { ehrId: winner.ehr_id.value, created: false };
    }
  }
}
