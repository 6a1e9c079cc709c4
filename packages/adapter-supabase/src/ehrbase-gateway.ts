/**
 * The engine's EhrGateway on @ehr-sync/ehrbase-client. The client's errors already carry what the
 * engine classifies on (status, timeout/network, requestSent, uidAlreadyExists, retryAfterMs).
 */
import type { EhrGateway, FoundComposition } from "@ehr-sync/core";
import type { Composition, EhrbaseClient, FlatComposition } from "@ehr-sync/ehrbase-client";

export function ehrbaseGateway(client: EhrbaseClient): EhrGateway {
  return {
    systemId: () => client.systemId(),
    ensureEhr: async (subject) => (await client.ehrs.ensure(subject)).ehrId,
    findComposition: async (ehrId, uuid, templateId): Promise<FoundComposition | null> => {
      const found = await client.compositions.get<FlatComposition>(ehrId, uuid, {
        format: "FLAT",
        templateId,
      });
      if (!found) return null;
      if (found.deleted) return { deleted: true };
      return { deleted: false, versionUid: found.versionUid.value, flat: found.composition };
    },
    createComposition: async (ehrId, flat, options) => ({
      versionUid: (
        await client.compositions.create(ehrId, flat as FlatComposition, {
          format: "FLAT",
          templateId: options.templateId,
          uid: options.uid,
        })
      ).versionUid.value,
    }),
    compositionTemplateId: async (ehrId, uuid) => {
      const found = await client.compositions.get<Composition>(ehrId, uuid, { format: "JSON" });
      return found && !found.deleted ? found.composition.archetype_details?.template_id?.value : undefined;
    },
    updateComposition: async (ehrId, uuid, precedingVersionUid, flat, options) => ({
      versionUid: (
        await client.compositions.update(ehrId, uuid, precedingVersionUid, flat as FlatComposition, {
          format: "FLAT",
          templateId: options.templateId,
        })
      ).versionUid.value,
    }),
  };
}
