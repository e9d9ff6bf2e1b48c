import { describe, expect, test } from "bun:test";
import { spawnTracked } from "../../test/support/processes.ts";
import { thrownMessage } from "../../test/support/thrown.ts";
import { InvalidValueError } from "../errors.ts";
import {
  bytes,
  codePagesInterval,
  delimiter,
  file,
  fraction,
  host,
  integer,
  oneOf,
  port,
  portOrOff,
  runningProcessId,
  schedulerSlice,
  secret,
  sequenceNumber,
  setOf,
  userId,
  weights,
} from "./values.ts";

const problem = (parse: (raw: string) => unknown, raw: string): string => thrownMessage(() => parse(raw), InvalidValueError);

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

  test("codePagesInterval: off, or 100 to 60000 milliseconds", () => {
    expect([codePagesInterval("off"), codePagesInterval("100"), codePagesInterval("60000")]).toEqual([null, 100, 60_000]);
    for (const raw of ["0", "99", "60001", "", "1s"]) expect(problem(codePagesInterval, raw)).toContain("expected off or milliseconds from 100 to 60000");
  });

  test("schedulerSlice: off, or the microseconds the kernel takes (100 … 100000)", () => {
    expect([schedulerSlice("off"), schedulerSlice("100"), schedulerSlice("100000")]).toEqual([null, 100, 100_000]);
    for (const raw of ["0", "99", "100001", "", "1ms"]) expect(problem(schedulerSlice, raw)).toContain("expected off or microseconds from 100 to 100000");
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

  test("runningProcessId: a process id that is running now", async () => {
    expect(runningProcessId(String(process.pid))).toBe(process.pid);
    const child = spawnTracked(["true"]);
    await child.exited;
    expect(problem(runningProcessId, String(child.pid))).toBe(`no process ${child.pid} is running`);
    for (const raw of ["0", "-1", "pid"]) expect(problem(runningProcessId, raw)).toContain("expected a process id");
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

  test("fraction: a plain decimal within inclusive bounds", () => {
    const parse = fraction(0, 0.5);
    expect([parse("0"), parse("0.05"), parse("0.5"), parse("0.500"), parse("00.1")]).toEqual([0, 0.05, 0.5, 0.5, 0.1]);
    expect(problem(parse, "0.6")).toBe('expected a fraction from 0 to 0.5 such as 0.05, got "0.6"');
    expect(problem(parse, "0.5000001")).toContain("from 0 to 0.5");
    for (const raw of ["", ".5", "5.", "-0.1", "1e-2", "0,5", " 0.1", "0x1", "NaN", "Infinity"])
      expect(problem(parse, raw)).toContain("expected a fraction from 0 to 0.5");
    expect(problem(fraction(0.1, 1), "0.05")).toBe('expected a fraction from 0.1 to 1 such as 0.05, got "0.05"');
  });

  test("weights: named whole numbers, keys left out weigh 0", () => {
    const parse = weights(["F", "U", "B"] as const, 100);
    expect(parse("F=25,U=15,B=1")).toEqual({ F: 25, U: 15, B: 1 });
    expect(parse("B=3")).toEqual({ F: 0, U: 0, B: 3 });
    // Case-insensitive keys, ':' as well as '=', spaces around the parts, any order.
    expect(parse(" b : 2 , f=0 ")).toEqual({ F: 0, U: 0, B: 2 });
    expect(parse("F=100")).toEqual({ F: 100, U: 0, B: 0 });
  });

  test("weights must add up to between 1 and the maximum", () => {
    const parse = weights(["F", "U", "B"] as const, 100);
    expect(problem(parse, "F=0,B=0")).toBe("weights must add up to between 1 and 100, got 0");
    expect(problem(parse, "F=60,U=41")).toBe("weights must add up to between 1 and 100, got 101");
  });

  test("weights reject unknown keys and malformed parts, showing an example", () => {
    const parse = weights(["F", "U", "B"] as const, 100);
    for (const raw of ["", "X=1", "F=1,", "F=-1", "F=1.5", "F", "=3", "F=1;B=2", "F1", "FU=1"]) {
      expect(problem(parse, raw)).toBe(`expected weights such as F=1,U=2,B=3 (keys F, U, B), got ${JSON.stringify(raw)}`);
    }
  });

  test("user ids: 0 to 2^31-1", () => {
    expect([userId("0"), userId("007"), userId("2147483647")]).toEqual([0, 7, 2147483647]);
    expect(problem(userId, "2147483648")).toBe("expected a user id from 0 to 2147483647, got 2147483648");
  });

  test("setOf: distinct choices separated by commas, in any order", () => {
    const parse = setOf(["events", "clients"] as const);
    expect([parse("events"), parse("clients,events")]).toEqual([["events"], ["clients", "events"]]);
    for (const raw of ["", "events,", "events,events", "events clients", "all"]) {
      expect(problem(parse, raw)).toBe(`expected one or more of events, clients, separated by commas, got ${JSON.stringify(raw)}`);
    }
  });

  test("file: any name but an empty one", () => {
    expect(file("cert.pem")).toBe("cert.pem");
    expect(problem(file, "")).toBe("expected a file name");
  });

  test("secret: printable ASCII of a bounded length, never echoed back", () => {
    const parse = secret(16, 32);
    expect(parse("correct horse battery staple")).toBe("correct horse battery staple");
    expect(parse("!~".repeat(8))).toBe("!~".repeat(8));
    expect(problem(parse, "too-short-15chr")).toBe("expected 16 to 32 characters, got 15 (value not shown)");
    expect(problem(parse, "x".repeat(33))).toBe("expected 16 to 32 characters, got 33 (value not shown)");
    for (const raw of ["tab\tin-the-secret-here", "naïve-secret-with-accent", "line\nbreak-in-the-secret"]) {
      expect(problem(parse, raw)).toBe("expected printable ASCII characters only (value not shown)");
    }
  });
});
