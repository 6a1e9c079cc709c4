/**
 * Name-based UUIDs, version 5 (RFC 9562 §5.5): SHA-1 over namespace bytes + UTF-8 name.
 * Deterministic, so the same note id always yields the same composition id.
 */
// SHA-1 only derives name-based ids here (not security); @noble/hashes is synchronous and runs in
// Node, Deno and edge runtimes without node:crypto (WebCrypto's digest is async).
import { sha1 } from "@noble/hashes/legacy.js";

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const encoder = new TextEncoder();

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
/** Namespaces are few and reused for every note: parse each once. */
const namespaceCache = new Map<string, Uint8Array>();

function uuidBytes(uuid: string): Uint8Array {
  const cached = namespaceCache.get(uuid);
  if (cached) return cached;
  if (!UUID_PATTERN.test(uuid)) throw new TypeError("uuidV5: namespace must be a UUID");
  const hex = uuid.replace(/-/g, "");
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  if (namespaceCache.size < 64) namespaceCache.set(uuid, bytes);
  return bytes;
}

function formatUuid(bytes: Uint8Array): string {
  const h = (i: number) => HEX[bytes[i] as number] as string;
  return `${h(0)}${h(1)}${h(2)}${h(3)}-${h(4)}${h(5)}-${h(6)}${h(7)}-${h(8)}${h(9)}-${h(10)}${h(11)}${h(12)}${h(13)}${h(14)}${h(15)}`;
}

/** UUIDv5 of `name` (UTF-8) in `namespace`, lower-case canonical form. */
export function uuidV5(name: string, namespace: string): string {
  const ns = uuidBytes(namespace);
  const nameBytes = encoder.encode(name);
  const input = new Uint8Array(16 + nameBytes.length);
  input.set(ns);
  input.set(nameBytes, 16);
  const hash = sha1(input).subarray(0, 16);
  hash[6] = ((hash[6] as number) & 0x0f) | 0x50; // version 5
  hash[8] = ((hash[8] as number) & 0x3f) | 0x80; // RFC 4122/9562 variant
  return formatUuid(hash);
}
