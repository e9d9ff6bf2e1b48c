import { describe, expect, test } from "bun:test";
import { bytes, delimiter, host, integer, oneOf, port, portOrOff, sequenceNumber } from "./values.ts";

function problem(parse: (raw: string) => unknown, raw: string): string {
  try {
    parse(raw);
  } catch (message) {
    return String(message);
  }
  throw new Error(`${JSON.stringify(raw)} was accepted`);
}

describe("value parsers", () => {
  test("port: 0 to 65535, digits only", () => {
    expect([port("0"), port("9090"), port("65535")]).toEqual([0, 9090, 65535]);
    expect(problem(port, "65536")).toBe("expected a port number from 0 to 65535, got 65536");
    for (const raw of ["", "-1", "80.5", "0x50", " 80", "eighty"]) expect(problem(port, raw)).toContain("expected a port number");
  });

  test("portOrOff: off, or a port as above", () => {
    expect([portOrOff("off"), portOrOff("0"), portOrOff("9100")]).toEqual([null, 0, 9100]);
    expect(problem(portOrOff, "65536")).toBe("expected off or a port number from 0 to 65535, got 65536");
    for (const raw of ["", "OFF", "on", "-1"]) expect(problem(portOrOff, raw)).toContain("expected off or a port number");
  });

  test("integer bounds are inclusive", () => {
    const parse = integer(16, 32);
    expect([parse("16"), parse("32")]).toEqual([16, 32]);
    expect(problem(parse, "15")).toBe("expected a whole number from 16 to 32, got 15");
  });

  test("sequence numbers reach 2^53-1 exactly", () => {
    expect(sequenceNumber("9007199254740991")).toBe(Number.MAX_SAFE_INTEGER);
    expect(problem(sequenceNumber, "9007199254740992")).toContain("from 1 to 9007199254740991");
    expect(problem(sequenceNumber, "0")).toContain("from 1");
  });

  test("bytes take binary units, case-insensitively", () => {
    const parse = bytes(1024, 2 ** 30);
    expect([parse("65536"), parse("64k"), parse("64KiB"), parse("4m"), parse("4 MiB"), parse("1g")]).toEqual([65536, 65536, 65536, 4 << 20, 4 << 20, 2 ** 30]);
    expect(problem(parse, "1023")).toBe("expected a size from 1024 to 1073741824 bytes, got 1023");
    for (const raw of ["4x", "k", "1.5m", "-4m"]) expect(problem(parse, raw)).toContain("expected a size in bytes");
  });

  test("delimiter: one ASCII byte that is neither a digit nor a line break", () => {
    expect([delimiter("|"), delimiter(","), delimiter("\t"), delimiter(" ")]).toEqual([0x7c, 0x2c, 0x09, 0x20]);
    for (const raw of ["", "||", "é"]) expect(problem(delimiter, raw)).toContain("expected a single ASCII character");
    for (const raw of ["5", "\n", "\r"]) expect(problem(delimiter, raw)).toContain("cannot separate fields");
  });

  test("oneOf names the choices", () => {
    const parse = oneOf(["text", "json"] as const);
    expect(parse("json")).toBe("json");
    expect(problem(parse, "xml")).toBe('expected one of text, json, got "xml"');
  });

  test("host must be a non-blank word", () => {
    expect(host("0.0.0.0")).toBe("0.0.0.0");
    expect(host("::1")).toBe("::1");
    for (const raw of ["", " ", "a b"]) expect(problem(host, raw)).toContain("expected a host name");
  });
});
