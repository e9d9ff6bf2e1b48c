import { describe, expect, test } from "bun:test";
import { ClientTokens } from "../auth/client-tokens.ts";
import { DecimalCursor } from "../protocol/ascii.ts";
import { readHandshake } from "./client-handshake.ts";

const bytes = (text: string) => new Uint8Array(Buffer.from(text, "latin1"));
const cursor = new DecimalCursor();
const read = (text: string, tokens: ClientTokens | null = null) => readHandshake(bytes(text), 0, text.length, tokens, cursor);

describe("readHandshake", () => {
  test("a user id alone, leading zeros allowed", () => {
    expect(read("42")).toEqual({ userId: 42 });
    expect(read("007")).toEqual({ userId: 7 });
    expect(read("2147483647")).toEqual({ userId: 2147483647 });
  });

  test("anything else is a bad handshake that quotes the line", () => {
    expect(read("")).toEqual({ problem: "bad handshake", detail: 'first line "" is not a user id' });
    expect(read("4 2")).toMatchObject({ problem: "bad handshake" });
    expect(read("2147483648")).toMatchObject({ problem: "bad handshake" });
    expect(read("x1")).toEqual({ problem: "bad handshake", detail: 'first line "x1" is not a user id' });
  });

  test("reads only its range", () => {
    expect(readHandshake(bytes("xx12yy"), 2, 4, null, cursor)).toEqual({ userId: 12 });
  });

  test("with tokens: the user's own token, and never the token in a detail", () => {
    const tokens = new ClientTokens("0123456789abcdef0123");
    const token = tokens.token(5);
    expect(read(`5 ${token}`, tokens)).toEqual({ userId: 5 });
    expect(read("5", tokens)).toEqual({ problem: "bad token", detail: "no token for user 5" });
    expect(read(`6 ${token}`, tokens)).toEqual({ problem: "bad token", detail: "wrong token for user 6" });
    expect(read("5 abc", tokens)).toEqual({ problem: "bad token", detail: "token is not 64 hex digits for user 5" });
    const bad = read(`x5 ${token}`, tokens);
    expect(bad).toEqual({ problem: "bad handshake", detail: 'first line does not start with a user id: "x5"' });
  });
});
