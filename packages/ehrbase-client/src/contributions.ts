import {
  buildContribution,
  type ContributionAudit,
  type ContributionVersion,
} from "./contribution-builder.js";
import { EhrbaseError } from "./errors.js";
import type { HttpTransport } from "./http.js";
import { parseVersionUid, type VersionUid } from "./version-uid.js";

/** The contribution's audit; `systemId` defaults to the client's (configured or discovered). */
export type CommitAudit = Omit<ContributionAudit, "systemId"> & { systemId?: string };

export interface CommitOptions {
  signal?: AbortSignal;
}

export interface CommitResult {
  /** The CONTRIBUTION's uid (EHRbase's ETag and the last segment of its Location). */
  contributionUid: string;
  /** The version uid each input version got, in input order. */
  versionUids: VersionUid[];
}

export class ContributionsApi {
  constructor(
    private readonly http: HttpTransport,
    private readonly systemId: () => Promise<string>,
  ) {}

  /**
   * POST /ehr/{ehr_id}/contribution: all versions in one transaction. EHRbase 2.16 commits all or
   * none (docs/contributions.md); on failure `classifyContributionError` says whether anything may
   * have landed. Never retried here: a POST is not idempotent unless every version carries its uid.
   */
  async commit(
    ehrId: string,
    versions: readonly ContributionVersion[],
    audit: CommitAudit,
    options: CommitOptions = {},
  ): Promise<CommitResult> {
    const systemId = audit?.systemId ?? (await this.systemId());
    const { body, versionUids } = buildContribution(versions, { ...audit, systemId });
    const path = `/ehr/${encodeURIComponent(ehrId)}/contribution`;
    // Minimal answer (204): the uids are known from the input, so EHRbase need not serialise them.
    const response = await this.http.request({
      method: "POST",
      path,
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(body),
      signal: options.signal,
    });
    const contributionUid = (response.headers.get("etag") ?? "")
      .replace(/^W\//, "")
      .replace(/^"(.*)"$/, "$1");
    if (!contributionUid) {
      throw new EhrbaseError("unexpected_status", false, {
        status: response.status,
        method: "POST",
        path,
        serverMessage: "contribution response has no uid in its ETag",
      });
    }
    return { contributionUid, versionUids: versionUids.map((uid) => parseVersionUid(uid)) };
  }
}
