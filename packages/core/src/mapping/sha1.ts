/**
 * Synchronous SHA-1 (FIPS 180-4) over bytes, in plain TypeScript.
 * Why not crypto: core must run unchanged in Node and Deno without `node:crypto`, and WebCrypto's
 * digest is async. SHA-1 is used here only to derive name-based UUIDs (RFC 9562 v5), not for security.
 */

function rotl(value: number, bits: number): number {
  return (value << bits) | (value >>> (32 - bits));
}

/** Message schedule, reused across calls (the function is synchronous and never re-entered). */
const schedule = new Uint32Array(80);
/** Padding buffer reused for short messages (ids are short); longer ones get their own. */
const scratch = new Uint8Array(1024);

/** Returns the 20-byte SHA-1 digest of `message`. */
export function sha1(message: Uint8Array): Uint8Array {
  const bitLength = message.length * 8;
  // Padding: 0x80, zeros, then the 64-bit big-endian message length; total a multiple of 64 bytes.
  const paddedLength = (((message.length + 8) >> 6) + 1) << 6;
  const padded =
    paddedLength <= scratch.length ? scratch.subarray(0, paddedLength) : new Uint8Array(paddedLength);
  padded.set(message);
  padded.fill(0, message.length);
  padded[message.length] = 0x80;
  const high = Math.floor(bitLength / 0x1_0000_0000);
  const low = bitLength >>> 0;
  for (let i = 0; i < 4; i++) {
    padded[paddedLength - 8 + i] = (high >>> (24 - 8 * i)) & 0xff;
    padded[paddedLength - 4 + i] = (low >>> (24 - 8 * i)) & 0xff;
  }

  let h0 = 0x67452301;
  let h1 = 0xefcdab89;
  let h2 = 0x98badcfe;
  let h3 = 0x10325476;
  let h4 = 0xc3d2e1f0;
  const w = schedule;
  for (let block = 0; block < paddedLength; block += 64) {
    for (let i = 0; i < 16; i++) {
      const at = block + i * 4;
      w[i] =
        ((padded[at] as number) << 24) |
        ((padded[at + 1] as number) << 16) |
        ((padded[at + 2] as number) << 8) |
        (padded[at + 3] as number);
    }
    for (let i = 16; i < 80; i++) {
      w[i] = rotl(
        (w[i - 3] as number) ^ (w[i - 8] as number) ^ (w[i - 14] as number) ^ (w[i - 16] as number),
        1,
      );
    }
    let a = h0;
    let b = h1;
    let c = h2;
    let d = h3;
    let e = h4;
    for (let i = 0; i < 80; i++) {
      let f: number;
      let k: number;
      if (i < 20) {
        f = (b & c) | (~b & d);
        k = 0x5a827999;
      } else if (i < 40) {
        f = b ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (i < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8f1bbcdc;
      } else {
        f = b ^ c ^ d;
        k = 0xca62c1d6;
      }
      const temp = (rotl(a, 5) + f + e + k + (w[i] as number)) >>> 0;
      e = d;
      d = c;
      c = rotl(b, 30) >>> 0;
      b = a;
      a = temp;
    }
    h0 = (h0 + a) >>> 0;
    h1 = (h1 + b) >>> 0;
    h2 = (h2 + c) >>> 0;
    h3 = (h3 + d) >>> 0;
    h4 = (h4 + e) >>> 0;
  }
  const digest = new Uint8Array(20);
  const words = [h0, h1, h2, h3, h4];
  for (let i = 0; i < 5; i++) {
    const word = words[i] as number;
    digest[i * 4] = word >>> 24;
    digest[i * 4 + 1] = (word >>> 16) & 0xff;
    digest[i * 4 + 2] = (word >>> 8) & 0xff;
    digest[i * 4 + 3] = word & 0xff;
  }
  return digest;
}

/** Lower-case hex of a byte array. */
export function toHex(bytes: Uint8Array): string {
  let hex = "";
  for (const byte of bytes) hex += byte.toString(16).padStart(2, "0");
  return hex;
}
