import { describe, expect, test } from "bun:test";
import { BROADCAST, FOLLOW, NOOP, PRIVATE, STATUS, UNFOLLOW } from "./event-kind.ts";
import { ParsedEvent, type Problem, parseEventLine, UNREADABLE } from "./event-line.ts";

const PIPE = 0x7c;
const bytes = (s: string) => new TextEncoder().encode(s);

function parse(line: string, delimiter = PIPE, out = new ParsedEvent()) {
  const buf = bytes(line);
  const kind = parseEventLine(buf, 0, buf.length, delimiter, out);
  return { kind, out };
}

describe("parseEventLine: well-formed events", () => {
  test.each([
    ["1|F|60|50", FOLLOW, 1, 60, 50],
    ["2|U|12|9", UNFOLLOW, 2, 12, 9],
    ["3|B", BROADCAST, 3, undefined, undefined],
    ["4|P|32|56", PRIVATE, 4, 32, 56],
    ["5|S|32", STATUS, 5, 32, undefined],
    ["0005|P|007|0", PRIVATE, 5, 7, 0],
    ["9007199254740991|B", BROADCAST, 9007199254740991, undefined, undefined],
    ["7|F|2147483647|0", FOLLOW, 7, 2147483647, 0],
    ["8|F|0|2147483647", FOLLOW, 8, 0, 2147483647],
    ["9|S|2147483647", STATUS, 9, 2147483647, undefined],
  ])("%p", (line, kind, seq, from, to) => {
    const { kind: got, out } = parse(line);
    expect(got).toBe(kind);
    expect(out.problem).toBeNull();
    expect(out.seq).toBe(seq);
    if (from !== undefined) expect(out.from).toBe(from);
    if (to !== undefined) expect(out.to).toBe(to);
  });
});

describe("parseEventLine: malformed with a readable sequence number keeps its place (NOOP)", () => {
  test.each<[string, number, Problem]>([
    ["3|X|1|2", 3, "unknown type"],
    ["3|f|1|2", 3, "unknown type"],
    ["5|FF|1|2", 5, "unknown type"],
    ["5|BB", 5, "unknown type"],
    ["5|Bx", 5, "unknown type"],
    ["5||1|2", 5, "unknown type"],
    ["5", 5, "wrong field count"],
    ["5|", 5, "wrong field count"],
    ["5|F", 5, "wrong field count"],
    ["5|F|1", 5, "wrong field count"],
    ["5|U|1", 5, "wrong field count"],
    ["5|P|1", 5, "wrong field count"],
    ["5|F|", 5, "bad user id"],
    ["5|F|1|2|", 5, "wrong field count"],
    ["5|F|1|2|3", 5, "wrong field count"],
    ["5|B|", 5, "wrong field count"],
    ["5|B|1", 5, "wrong field count"],
    ["5|S", 5, "wrong field count"],
    ["5|S|1|2", 5, "wrong field count"],
    ["5|S|1|", 5, "wrong field count"],
    ["5|P|1|x", 5, "bad user id"],
    ["5|P|x|1", 5, "bad user id"],
    ["5|F||2", 5, "bad user id"],
    ["5|F|1|", 5, "bad user id"],
    ["5|S|", 5, "bad user id"],
    ["5|S|-1", 5, "bad user id"],
    ["5|F|2147483648|1", 5, "bad user id"],
    ["5|F|1|2147483648", 5, "bad user id"],
    ["5|S|2147483648", 5, "bad user id"],
    ["5|P|1|2 ", 5, "bad user id"],
    ["6|F|1|99999999999999999999", 6, "bad user id"],
  ])("%p", (line, seq, problem) => {
    const { kind, out } = parse(line);
    expect(kind).toBe(NOOP);
    expect(out.seq).toBe(seq);
    expect(out.problem).toBe(problem);
  });
});

describe("parseEventLine: unreadable sequence number (UNREADABLE)", () => {
  test.each<[string, Problem]>([
    ["", "empty line"],
    ["x|B", "bad sequence number"],
    ["|B", "bad sequence number"],
    ["0|B", "bad sequence number"],
    ["000|B", "bad sequence number"],
    ["-1|B", "bad sequence number"],
    [" 1|B", "bad sequence number"],
    ["1 |B", "bad sequence number"],
    ["1.5|B", "bad sequence number"],
    ["9007199254740992|B", "bad sequence number"],
    ["18446744073709551616|B", "bad sequence number"],
    ["B", "bad sequence number"],
    ["\r", "bad sequence number"],
  ])("%p", (line, problem) => {
    const { kind, out } = parse(line);
    expect(kind).toBe(UNREADABLE);
    expect(out.problem).toBe(problem);
  });

  test("UNREADABLE is distinct from every event kind", () => {
    expect([NOOP, FOLLOW, UNFOLLOW, BROADCAST, PRIVATE, STATUS]).not.toContain(UNREADABLE);
    expect(UNREADABLE).toBeLessThan(NOOP);
  });
});

describe("parseEventLine: delimiter and buffer handling", () => {
  test("uses a custom delimiter byte", () => {
    const comma = 0x2c;
    expect(parse("4,P,32,56", comma)).toMatchObject({ kind: PRIVATE, out: { seq: 4, from: 32, to: 56, problem: null } });
    expect(parse("3,B", comma)).toMatchObject({ kind: BROADCAST, out: { seq: 3 } });
    expect(parse("5,S,7", comma)).toMatchObject({ kind: STATUS, out: { seq: 5, from: 7 } });
    // With `,` configured, `|` is just a bad byte.
    expect(parse("3|B", comma).kind).toBe(UNREADABLE);
    expect(parse("4,P,32|56", comma)).toMatchObject({ kind: NOOP, out: { seq: 4, problem: "bad user id" } });
  });

  test("parses buf[start, end) in place, ignoring the bytes around it", () => {
    const buf = bytes("1|B\r\n22|F|3|4\r\n333|S|5");
    const out = new ParsedEvent();
    expect(parseEventLine(buf, 5, 13, PIPE, out)).toBe(FOLLOW);
    expect(out).toMatchObject({ seq: 22, from: 3, to: 4, problem: null });
    expect(parseEventLine(buf, 0, 3, PIPE, out)).toBe(BROADCAST);
    expect(out.seq).toBe(1);
    expect(parseEventLine(buf, 15, buf.length, PIPE, out)).toBe(STATUS);
    expect(out).toMatchObject({ seq: 333, from: 5 });
    // The line ends at `end` even though more digits follow in the buffer.
    expect(parseEventLine(buf, 5, 12, PIPE, out)).toBe(NOOP);
    expect(out.problem).toBe("bad user id");
    expect(parseEventLine(buf, 5, 5, PIPE, out)).toBe(UNREADABLE);
    expect(out.problem).toBe("empty line");
  });

  test("a reused ParsedEvent has its problem cleared by the next good line", () => {
    const out = new ParsedEvent();
    expect(parse("3|X", PIPE, out).kind).toBe(NOOP);
    expect(out.problem).toBe("unknown type");
    expect(parse("4|F|1|2", PIPE, out).kind).toBe(FOLLOW);
    expect(out).toMatchObject({ seq: 4, from: 1, to: 2, problem: null });
    expect(parse("", PIPE, out).kind).toBe(UNREADABLE);
    expect(out.problem).toBe("empty line");
    expect(parse("5|B", PIPE, out).kind).toBe(BROADCAST);
    expect(out.problem).toBeNull();
  });
});
