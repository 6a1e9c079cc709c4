/**
 * Raised when a FLAT composition cannot be turned into canonical JSON: a key the converter does not
 * support (it never drops one silently), a value of the wrong kind, or a mandatory attribute that
 * neither the FLAT nor its `ctx/` defaults give. Names the FLAT key, never the value (patient data).
 */
export class FlatConversionError extends Error {
  override readonly name = "FlatConversionError";
  /** The offending FLAT key (or the attribute that is missing, e.g. `ctx/territory`). */
  readonly key: string;

  constructor(key: string, reason: string) {
    super(`${key}: ${reason}`);
    this.key = key;
  }
}
