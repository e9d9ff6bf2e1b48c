import { describe, expect, test } from "bun:test";
import { Prng } from "../simulate/prng.ts";
import { CR, DecimalCursor, LF, MAX_SEQ, MAX_USER_ID } from "./ascii.ts";

const cursor = new DecimalCursor();

const PIPE = 0x7c;
const bytes = (s: string) => new TextEncoder().encode(s);

/** DecimalCursor.scan over the whole of `s`; returns the value and where it stopped. */
function scan(s: string, stop: number, max: number): { value: number; end: number } {
  const buf = bytes(s);
  const value = cursor.scan(buf, 0, buf.length, stop, max);
  return { value, end: cursor.end };
}

describe("constants", () => {
  test("terminator bytes and bounds", () => {
    expect(LF).toBe(10);
    expect(CR).toBe(13);
    expect(MAX_SEQ).toBe(2 ** 53 - 1);
    expect(MAX_USER_ID).toBe(2 ** 31 - 1);
  });
});

describe("DecimalCursor.scan", () => {
  test.each([
    ["0", 0],
    ["7", 7],
    ["42", 42],
    ["1234567890", 1234567890],
    ["007", 7],
    ["0000000000000000000000000000001", 1],
    ["00000000000000000000000000000000", 0],
  ])("reads %p as %p", (text, value) => {
    expect(scan(text, -1, MAX_SEQ)).toEqual({ value, end: text.length });
  });

  test.each([
    ["9007199254740991", MAX_SEQ, 9007199254740991],
    ["09007199254740991", MAX_SEQ, 9007199254740991],
    ["2147483647", MAX_USER_ID, 2147483647],
    ["002147483647", MAX_USER_ID, 2147483647],
    ["5", 5, 5],
  ])("accepts %p at the bound exactly", (text, max, value) => {
    expect(scan(text, -1, max).value).toBe(value);
  });

  test.each([
    ["9007199254740992", MAX_SEQ],
    ["9007199254740993", MAX_SEQ],
    ["9007199254741000", MAX_SEQ],
    ["90071992547409910", MAX_SEQ],
    ["99999999999999999999999999999999999999", MAX_SEQ],
    ["2147483648", MAX_USER_ID],
    ["4294967295", MAX_USER_ID],
    ["21474836470", MAX_USER_ID],
    ["6", 5],
  ])("rejects %p above max %p", (text, max) => {
    expect(scan(text, -1, max).value).toBe(-1);
  });

  test.each(["", "a", "1a", "a1", "-1", "+1", " 1", "1 ", "1.0", "1e3", "١", "/", ":"])("rejects %p as not a decimal", (text) => {
    expect(scan(text, -1, MAX_SEQ).value).toBe(-1);
  });

  test("stops at the stop byte and records its index in cursor.end", () => {
    expect(scan("123|456", PIPE, MAX_SEQ)).toEqual({ value: 123, end: 3 });
    expect(scan("9|", PIPE, MAX_SEQ)).toEqual({ value: 9, end: 1 });
    expect(scan("5,6", 0x2c, MAX_SEQ)).toEqual({ value: 5, end: 1 });
  });

  test("an empty field before the stop byte is rejected", () => {
    expect(scan("|12", PIPE, MAX_SEQ).value).toBe(-1);
  });

  test("without a stop byte (-1) a delimiter is just a non-digit", () => {
    expect(scan("12|3", -1, MAX_SEQ).value).toBe(-1);
  });

  test("the stop byte only ends the field if it is reached before a bad byte", () => {
    expect(scan("1x|2", PIPE, MAX_SEQ).value).toBe(-1);
  });

  test("reads only buf[start, end)", () => {
    const buf = bytes("xx123456yy");
    expect(cursor.scan(buf, 2, 5, -1, MAX_SEQ)).toBe(123);
    expect(cursor.end).toBe(5);
    expect(cursor.scan(buf, 4, 8, -1, MAX_SEQ)).toBe(3456);
    expect(cursor.end).toBe(8);
    expect(cursor.scan(buf, 3, 3, -1, MAX_SEQ)).toBe(-1);
    // A field ending in the middle of a digit run is not extended past `end`.
    expect(cursor.scan(buf, 2, 4, PIPE, MAX_SEQ)).toBe(12);
    expect(cursor.end).toBe(4);
  });

  test("a value over max is rejected even when a stop byte follows", () => {
    expect(scan("2147483648|1", PIPE, MAX_USER_ID).value).toBe(-1);
    expect(scan("2147483647|1", PIPE, MAX_USER_ID)).toEqual({ value: 2147483647, end: 10 });
  });

  test("agrees with BigInt on random digit strings near the bounds", () => {
    const prng = new Prng(0x5eed);
    for (const max of [MAX_SEQ, MAX_USER_ID, 1000]) {
      const maxDigits = String(max).length;
      for (let n = 0; n < 5000; n++) {
        const length = prng.range(1, maxDigits + 2);
        // Bias towards strings that share a prefix with max, where rounding bugs would show.
        let text = prng.chance(0.5) ? String(max).slice(0, prng.int(maxDigits)) : "";
        while (text.length < length) text += String(prng.int(10));
        if (prng.chance(0.2)) text = "0".repeat(prng.range(1, 5)) + text;
        const expected = BigInt(text) <= BigInt(max) ? Number(BigInt(text)) : -1;
        expect(scan(text, -1, max).value).toBe(expected);
      }
    }
  });
});
