/**
 * The engine's EhrGateway on @ehr-sync/ehrbase-client, timing every call for the metrics. The client's
 * errors already carry what the engine classifies on (status, timeout/network, requestSent,
 * uidAlreadyExists, retryAfterMs).
 */
import type { EhrGateway, FoundComposition } from "@ehr-sync/core";
import type { Composition, EhrbaseClient, FlatComposition } from "@ehr-sync/ehrbase-client";

export type CallObserver = (operation: string, seconds: number, ok: boolean) => void;

export function ehrbaseGateway(client: EhrbaseClient, observe: CallObserver = () => {}): EhrGateway {
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
        const found = await client.compositions.get<FlatComposition>(ehrId, uuid, {
          format: "FLAT",
          templateId,
        });
        if (!found) return null;
        if (found.deleted) return { deleted: true };
        return { deleted: false, versionUid: found.versionUid.value, flat: found.composition };
      }),
    createComposition: (ehrId, flat, options) =>
      timed("create_composition", async () => ({
        versionUid: (
          await client.compositions.create(ehrId, flat as FlatComposition, {
            format: "FLAT",
            templateId: options.templateId,
            uid: options.uid,
          })
        ).versionUid.value,
      })),
    compositionTemplateId: (ehrId, uuid) =>
      timed("get_composition", async () => {
        const found = await client.compositions.get<Composition>(ehrId, uuid, { format: "JSON" });
        return found && !found.deleted ? found.composition.archetype_details?.template_id?.value : undefined;
      }),
    updateComposition: (ehrId, uuid, precedingVersionUid, flat, options) =>
      timed("update_composition", async () => ({
        versionUid: (
          await client.compositions.update(ehrId, uuid, precedingVersionUid, flat as FlatComposition, {
            format: "FLAT",
            templateId: options.templateId,
          })
        ).versionUid.value,
      })),
  };
}
