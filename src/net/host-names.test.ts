import { describe, expect, test } from "bun:test";
import { HostNames, MAX_HOST_NAMES } from "./host-names.ts";

describe("HostNames", () => {
  test("equal hosts share the first string seen", () => {
    const names = new HostNames();
    const first = names.intern(["127", "0", "0", "1"].join("."));
    expect(names.intern("127.0.0.1")).toBe(first);
    expect(names.intern("::1")).toBe("::1");
    expect(names.size).toBe(2);
  });

  test("it starts again past MAX_HOST_NAMES hosts, and still returns each host as given", () => {
    const names = new HostNames();
    for (let i = 0; i < MAX_HOST_NAMES; i++) names.intern(`10.0.${i >> 8}.${i & 255}`);
    expect(names.size).toBe(MAX_HOST_NAMES);
    expect(names.intern("192.0.2.1")).toBe("192.0.2.1");
    expect(names.size).toBe(1);
    expect(names.intern("10.0.0.0")).toBe("10.0.0.0");
  });
});
