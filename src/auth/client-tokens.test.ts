import { describe, expect, test } from "bun:test";
import { ClientTokens } from "./client-tokens.ts";

const SECRET = "correct horse battery staple";
/** Computed apart from this code (Python's hmac), so the wire format is pinned, not just self-consistent. */
const TOKEN_42 = "417e2e8afb4f7618284b194fd841edb89d629e9b2f76fdca770be3f72284a54a";

function check(tokens: ClientTokens, userId: number, token: string) {
  const line = Buffer.from(`xx${token}yy`, "latin1");
  return tokens.check(userId, line, 2, line.length - 2);
}

describe("ClientTokens", () => {
  test("a token is the hex HMAC-SHA256 of the decimal user id, keyed with the secret", () => {
    const tokens = new ClientTokens(SECRET);
    expect(tokens.token(42)).toBe(TOKEN_42);
    expect(tokens.token(0)).toBe("f1a7501ed24ce2c85c7448617bb02aad4c3364e559c2ce83ae5f55eeeb26a24b");
    expect(tokens.token(2147483647)).toBe("7f4ab8f4b54e2dc96b2732786d3d349f7e3eed8905abda437492f82b17f422bd");
  });

  test("accepts the user's own token, in either case of hex", () => {
    const tokens = new ClientTokens(SECRET);
    expect(check(tokens, 42, TOKEN_42)).toBeNull();
    expect(check(tokens, 42, TOKEN_42.toUpperCase())).toBeNull();
  });

  test("refuses another user's token, or one made with another secret, as wrong", () => {
    const tokens = new ClientTokens(SECRET);
    expect(check(tokens, 43, TOKEN_42)).toBe("wrong");
    expect(check(new ClientTokens(`${SECRET}!`), 42, TOKEN_42)).toBe("wrong");
    const flipped = (TOKEN_42[0] === "0" ? "1" : "0") + TOKEN_42.slice(1);
    expect(check(tokens, 42, flipped)).toBe("wrong");
  });

  test("tells a missing token from one of the wrong shape", () => {
    const tokens = new ClientTokens(SECRET);
    expect(check(tokens, 42, "")).toBe("missing");
    for (const token of [TOKEN_42.slice(1), `${TOKEN_42}0`, `${TOKEN_42.slice(0, 63)}g`, ` ${TOKEN_42.slice(1)}`, "x".repeat(64)]) {
      expect(check(tokens, 42, token)).toBe("malformed");
    }
  });

  test("a malformed token does not leave bytes behind for the next check", () => {
    const tokens = new ClientTokens(SECRET);
    expect(check(tokens, 42, `${TOKEN_42.slice(0, 40)}${"z".repeat(24)}`)).toBe("malformed");
    expect(check(tokens, 42, TOKEN_42)).toBeNull();
  });
});
