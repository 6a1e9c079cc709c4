/**
 * The engine's EhrGateway on @ehr-sync/ehrbase-client, written once for every adapter. Typed by the
 * shape of the client it calls (not by import), so core keeps no runtime dependency on the client. The
 * client's errors already carry what the engine classifies on (status, timeout/network, requestSent,
 * uidAlreadyExists, retryAfterMs); its results carry the HTTP status EHRbase answered, which the
 * engine writes to the attempt log as observed.
 */
import type { EhrGateway, FoundComposition } from "./ports.js";

type FlatBody = Record<string, unknown>;
interface VersionUidLike {
  value: string;
}
interface WrittenLike {
  versionUid: VersionUidLike;
  status: number;
}
type ReadLike<Body> =
  | { deleted: false; versionUid: VersionUidLike; composition: Body; status: number }
  | { deleted: true };

/** What the gateway needs of an EhrbaseClient. */
export interface EhrbaseClientLike {
  systemId(): Promise<string>;
  ehrs: { ensure(subject: { id: string; namespace: string }): Promise<{ ehrId: string }> };
  compositions: {
    get(
      ehrId: string,
      uid: string,
      options: { format: "FLAT" | "JSON"; templateId?: string },
    ): Promise<ReadLike<FlatBody> | null>;
    create(
      ehrId: string,
      body: FlatBody,
      options: { format: "FLAT"; templateId: string; uid: string },
    ): Promise<WrittenLike>;
    update(
      ehrId: string,
      versionedObjectUid: string,
      precedingVersionUid: string,
      body: FlatBody,
      options: { format: "FLAT"; templateId: string },
    ): Promise<WrittenLike>;
  };
}

/** Told of every EHRbase call: which, how long, whether it answered without error (metrics). */
export type CallObserver = (operation: string, seconds: number, ok: boolean) => void;

export function ehrbaseGateway(client: EhrbaseClientLike, observe: CallObserver = () => {}): EhrGateway {
  const timed = async <T>(operation: string, call: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      const result = await call();
      observe(operation, (performance.now() - started) / 1000, true);
      return result;
    } catch (error) {
      observe(operation, (performance.now() - started) / 1000, false);
      throw error;
    }
  };
  return {
    systemId: () => client.systemId(),
    ensureEhr: (subject) => timed("ensure_ehr", async () => (await client.ehrs.ensure(subject)).ehrId),
    findComposition: (ehrId, uuid, templateId) =>
      timed("get_composition", async (): Promise<FoundComposition | null> => {
        const found = await client.compositions.get(ehrId, uuid, { format: "FLAT", templateId });
        if (!found) return null;
        if (found.deleted) return { deleted: true };
        return {
          deleted: false,
          versionUid: found.versionUid.value,
          flat: found.composition,
          status: found.status,
        };
      }),
    createComposition: (ehrId, flat, options) =>
      timed("create_composition", async () => {
        const created = await client.compositions.create(ehrId, flat, {
          format: "FLAT",
          templateId: options.templateId,
          uid: options.uid,
        });
        return { versionUid: created.versionUid.value, status: created.status };
      }),
    compositionTemplateId: (ehrId, uuid) =>
      timed("get_composition", async () => {
        const found = await client.compositions.get(ehrId, uuid, { format: "JSON" });
        if (!found || found.deleted) return undefined;
        const details = (found.composition as { archetype_details?: { template_id?: { value?: unknown } } })
          .archetype_details;
        const id = details?.template_id?.value;
        return typeof id === "string" ? id : undefined;
      }),
    updateComposition: (ehrId, uuid, precedingVersionUid, flat, options) =>
      timed("update_composition", async () => {
        const updated = await client.compositions.update(ehrId, uuid, precedingVersionUid, flat, {
          format: "FLAT",
          templateId: options.templateId,
        });
        return { versionUid: updated.versionUid.value, status: updated.status };
      }),
  };
}
