/**
 * Once per worker, before its first claim: the retry limits for SQL, the shipped template, the system
 * id. None of it is fatal: a template that cannot be uploaded shows up as jobs reporting it missing
 * (which pauses the destination), and an unknown system id is learnt with the first delivery.
 */
import type { RetryPolicy } from "../queue/backoff.js";
import { SOAP_TEMPLATE_ID } from "../templates/soap-template-id.js";
import { errorCode, type WorkerLogger } from "./worker-logger.js";

export interface WorkerPreparation {
  retryPolicy?: RetryPolicy | undefined;
  /** Writes the limits where lease rescue (in SQL) applies them to jobs whose worker was lost. */
  setRetryLimits(maxAttempts: number, maxAgeMs: number): Promise<void>;
  /** Uploads the shipped template if missing; left out when the worker must not (see shipsTemplate). */
  ensureTemplate?: (() => Promise<unknown>) | undefined;
  systemId(): Promise<string>;
  logger: WorkerLogger;
}

/** Whether the worker uploads the shipped template: by default only with the shipped mapping. */
export function shipsTemplate(
  options: { ensureTemplate?: boolean | undefined; mapping?: unknown },
  templateId: string,
): boolean {
  return (
    options.ensureTemplate !== false &&
    (!options.mapping || options.ensureTemplate === true) &&
    templateId === SOAP_TEMPLATE_ID
  );
}

/** Resolves with the server's system id, or undefined when it cannot tell yet (no EHR) or is unreachable. */
export async function prepareWorker(p: WorkerPreparation): Promise<string | undefined> {
  if (p.retryPolicy) {
    await p
      .setRetryLimits(p.retryPolicy.maxAttempts, p.retryPolicy.maxAgeMs)
      .catch((error: unknown) => p.logger.warn({ event: "retry_limits_not_saved", code: errorCode(error) }));
  }
  if (p.ensureTemplate) {
    try {
      await p.ensureTemplate();
    } catch (error) {
      p.logger.warn({ event: "template_upload_failed", code: errorCode(error) });
    }
  }
  return p.systemId().catch(() => undefined);
}
