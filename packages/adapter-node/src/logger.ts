/**
 * Structured JSON logs (pino). The worker only ever logs job ids, versions, states, error classes and
 * durations: never note text, names, patient keys or note ids. The redaction list is a second fence
 * in case a caller passes a whole object.
 */
import pino from "pino";

export type Logger = pino.Logger;

const REDACT = ["payload", "patientKey", "noteId", "password", "authorization", "connectionString"].flatMap(
  (key) => [key, `*.${key}`],
);

export function createLogger(options: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  const config: pino.LoggerOptions = {
    name: "ehr-sync",
    level: options.level ?? process.env.EHR_SYNC_LOG_LEVEL ?? "info",
    redact: { paths: REDACT, censor: "[redacted]" },
    base: { pid: process.pid },
  };
  return options.destination ? pino(config, options.destination) : pino(config);
}
