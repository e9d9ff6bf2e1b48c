import { describe, expect, test } from "bun:test";
import { decodeEntry, entryBytes, entryId, idSeq, xaddArguments } from "./stream-entry.ts";

describe("stream entries", () => {
  test("XADD arguments: ID <last>-0, then always f, e and l in that order", () => {
    expect(xaddArguments("fm:events", { first: 7, last: 9, epoch: "ab", lines: "7|F|1|2\r\n9|B\r\n" })).toEqual([
      "fm:events",
      "9-0",
      "f",
      "7",
      "e",
      "ab",
      "l",
      "7|F|1|2\r\n9|B\r\n",
    ]);
    expect(entryId(12)).toBe("12-0");
  });

  test("a reply decodes back to the entry", () => {
    const entry = { first: 3, last: 5, epoch: "ab", lines: "3|S|4\r\n" };
    const [, id, ...fields] = xaddArguments("k", entry);
    expect(decodeEntry([id, fields])).toEqual(entry);
  });

  test("its lines come out as the bytes they were, in a plain Uint8Array like a socket read's", () => {
    const lines = "3|S|4\r\n12|F|1|2\r\n";
    const bytes = entryBytes({ first: 3, last: 12, epoch: "ab", lines });
    expect(Object.getPrototypeOf(bytes)).toBe(Uint8Array.prototype);
    expect(bytes).toEqual(new Uint8Array([...lines].map((c) => c.charCodeAt(0))));
  });

  test("an entry of only no-ops has no lines", () => {
    expect(decodeEntry(["4-0", ["f", "4", "e", "ab", "l", ""]])).toEqual({ first: 4, last: 4, epoch: "ab", lines: "" });
  });

  test.each([
    ["not an array", "x"],
    ["an ID with a sequence part", ["4-1", ["f", "4", "e", "ab", "l", ""]]],
    ["a foreign ID", ["1700000000000-0x", ["f", "4", "e", "ab", "l", ""]]],
    ["the issue's two-field layout", ["4-0", ["f", "4", "l", ""]]],
    ["other fields", ["4-0", ["a", "4", "e", "ab", "l", ""]]],
    ["fields in another order", ["4-0", ["e", "ab", "f", "4", "l", ""]]],
    ["a first above the last", ["4-0", ["f", "5", "e", "ab", "l", ""]]],
    ["a first of zero", ["4-0", ["f", "0", "e", "ab", "l", ""]]],
    ["a first that is no number", ["4-0", ["f", "x", "e", "ab", "l", ""]]],
    ["a value that is no string", ["4-0", ["f", "4", "e", 7, "l", ""]]],
  ])("refuses %s", (_, reply) => {
    expect(() => decodeEntry(reply)).toThrow();
  });

  test("idSeq reads only <seq>-0", () => {
    expect(idSeq("123-0")).toBe(123);
    expect(() => idSeq("0-1")).toThrow();
  });
});
