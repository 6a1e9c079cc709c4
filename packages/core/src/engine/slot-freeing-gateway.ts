/** Frees the job's slot the moment EHRbase has taken the composition (create or update answered). */
import type { EhrGateway } from "./ports.js";

export function freeingSlotOnDelivery(gateway: EhrGateway, freeSlot: () => void): EhrGateway {
  return {
    ...gateway,
    createComposition: async (...args) => {
      const created = await gateway.createComposition(...args);
      freeSlot();
      return created;
    },
    updateComposition: async (...args) => {
      const updated = await gateway.updateComposition(...args);
      freeSlot();
      return updated;
    },
  };
}
