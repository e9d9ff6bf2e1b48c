import { type ClientTokens, TOKEN_HEX_DIGITS, type TokenProblem } from "../auth/client-tokens.ts";
import { quote } from "../log/quote.ts";
import { type DecimalCursor, MAX_USER_ID, SPACE } from "../protocol/ascii.ts";

/** Why a handshake was turned down, as counted and logged. */
export type HandshakeProblem = "bad handshake" | "bad token";

/** A handshake's verdict: the user id, or a problem with a detail for the log (never the token itself). */
export type HandshakeVerdict = { userId: number } | { problem: HandshakeProblem; detail: string };

const TOKEN_PROBLEMS: Record<TokenProblem, string> = {
  missing: "no token",
  malformed: `token is not ${TOKEN_HEX_DIGITS} hex digits`,
  wrong: "wrong token",
};

/**
 * Reads a client's handshake from `buf[start, end)`, whatever carried it (a
 * TCP line, a WebSocket text message): `<userId>`, or `<userId> <token>`
 * when `tokens` is set. `cursor` is the caller's own.
 */
export function readHandshake(buf: Uint8Array, start: number, end: number, tokens: ClientTokens | null, cursor: DecimalCursor): HandshakeVerdict {
  if (tokens === null) {
    const userId = cursor.scan(buf, start, end, -1, MAX_USER_ID);
    return userId < 0 ? { problem: "bad handshake", detail: `first line ${quote(buf.subarray(start, end), 40)} is not a user id` } : { userId };
  }
  const userId = cursor.scan(buf, start, end, SPACE, MAX_USER_ID);
  if (userId < 0) {
    // Only the id field is shown: the rest of the line may be a token, even a valid one.
    const idEnd = buf.subarray(start, end).indexOf(SPACE);
    return { problem: "bad handshake", detail: `first line does not start with a user id: ${quote(buf.subarray(start, idEnd < 0 ? end : start + idEnd), 40)}` };
  }
  const problem = tokens.check(userId, buf, cursor.end < end ? cursor.end + 1 : end, end);
  return problem === null ? { userId } : { problem: "bad token", detail: `${TOKEN_PROBLEMS[problem]} for user ${userId}` };
}
