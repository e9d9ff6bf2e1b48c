import { nodeCrypto } from "../runtime/node-crypto.ts";

/** What an event source must send as its first line, before the secret. */
export const AUTH_PREFIX = "AUTH ";

/**
 * The event-source credential: a first line of exactly `AUTH <secret>`.
 * Lines are compared through their SHA-256 digests, in constant time, so
 * the timing shows neither how much of the secret a guess got right nor
 * how long the secret is.
 */
export class SourceSecret {
  private readonly expected: Buffer;

  constructor(secret: string) {
    this.expected = sha256(Buffer.from(AUTH_PREFIX + secret));
  }

  /** Whether `buf[start, end)` is the AUTH line. */
  accepts(buf: Uint8Array, start: number, end: number): boolean {
    return nodeCrypto().timingSafeEqual(sha256(buf.subarray(start, end)), this.expected);
  }
}

function sha256(bytes: Uint8Array): Buffer {
  return nodeCrypto().createHash("sha256").update(bytes).digest();
}
