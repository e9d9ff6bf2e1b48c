import { nodeCrypto } from "../runtime/node-crypto.ts";

/** Why a handshake's token was refused. */
export type TokenProblem = "missing" | "malformed" | "wrong";

/** A token is a SHA-256 HMAC, written as this many hex digits. */
export const TOKEN_HEX_DIGITS = 64;

/**
 * Per-user tokens for the client handshake: the hex HMAC-SHA256 of the user
 * id in plain decimal (no leading zeros), keyed with the shared secret. An
 * operator hands each user its token; the server keeps no list, so a token
 * is as long-lived as the secret.
 */
export class ClientTokens {
  /** Reused for each handshake's decoded token. */
  private readonly given = Buffer.alloc(TOKEN_HEX_DIGITS / 2);

  constructor(private readonly secret: string) {}

  token(userId: number): string {
    return this.digest(userId).toString("hex");
  }

  /**
   * Checks the token bytes `buf[start, end)` presented for `userId`, in
   * either case of hex. Returns null when it is that user's token. The
   * digests are compared in constant time; only the token's shape, which
   * is no secret, decides anything earlier.
   */
  check(userId: number, buf: Uint8Array, start: number, end: number): TokenProblem | null {
    if (end === start) return "missing";
    if (end - start !== TOKEN_HEX_DIGITS || !decodeHex(buf, start, this.given)) return "malformed";
    return nodeCrypto().timingSafeEqual(this.given, this.digest(userId)) ? null : "wrong";
  }

  private digest(userId: number): Buffer {
    return nodeCrypto().createHmac("sha256", this.secret).update(String(userId)).digest();
  }
}

/** Fills `out` from the hex digits at `buf[start, start + 2 * out.length)`; false at the first non-hex byte. */
function decodeHex(buf: Uint8Array, start: number, out: Uint8Array): boolean {
  for (let i = 0; i < out.length; i++) {
    const high = hexValue(buf[start + 2 * i] as number);
    const low = hexValue(buf[start + 2 * i + 1] as number);
    if (high < 0 || low < 0) return false;
    out[i] = (high << 4) | low;
  }
  return true;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}
