import { describe, expect, test } from "bun:test";
import { closest, editDistance } from "./closest.ts";

describe("closest", () => {
  test("editDistance counts single-character edits", () => {
    expect([editDistance("", ""), editDistance("abc", "abc"), editDistance("", "abc"), editDistance("kitten", "sitting")]).toEqual([0, 0, 3, 3]);
    expect(editDistance("MAX_CLIENT", "MAX_CLIENTS")).toBe(1);
  });

  test("names the nearest candidate, ignoring case", () => {
    expect(closest("serv", ["serve", "simulate", "token"])).toBe("serve");
    expect(closest("SIMULAT", ["serve", "simulate", "token"])).toBe("simulate");
    expect(closest("MAX_CLIENT", ["MAX_PENDING", "MAX_CLIENTS", "MAX_CLIENT_BUFFER"])).toBe("MAX_CLIENTS");
  });

  test("no guess when nothing is near", () => {
    expect(closest("bogus", ["serve", "simulate", "token", "help"])).toBeNull();
    expect(closest("x", [])).toBeNull();
  });
});
