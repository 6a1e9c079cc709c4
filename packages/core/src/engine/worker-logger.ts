/**
 * The structured logger a continuous worker writes to (pino's shape: fields first, message optional).
 * Fields carry job ids, versions, outcomes, error classes and durations only, never patient data.
 */
export interface WorkerLogger {
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
  fatal(fields: object, message?: string): void;
}

/** A driver error's code (e.g. ECONNREFUSED, 57P01) is safe to log; its message may quote data. */
export function errorCode(error: unknown): string | undefined {
  return (error as { code?: string } | null | undefined)?.code;
}
