import { describe, expect, test } from "bun:test";
import { thrownMessage } from "../../test/support/thrown.ts";
import { UsageError } from "../errors.ts";
import { describeFlags, envName, type Flag, parseFlags } from "./flags.ts";
import { integer } from "./values.ts";

const TABLE = {
  "event-port": { value: "N", help: "port", default: 9090, parse: integer(0, 65535) } as Flag<number>,
  "log-level": { value: "LEVEL", help: "level", default: "info", parse: (raw: string) => raw } as Flag<string>,
};

function usageError(argv: string[], env: Record<string, string> = {}): string {
  return thrownMessage(() => parseFlags(TABLE, argv, env), UsageError);
}

describe("parseFlags", () => {
  test("environment names follow the flag names", () => {
    expect(envName("max-client-buffer")).toBe("FOLLOWER_MAZE_MAX_CLIENT_BUFFER");
  });

  test("flag beats environment beats default", () => {
    expect(parseFlags(TABLE, [], {}).values["event-port"]).toBe(9090);
    expect(parseFlags(TABLE, [], { FOLLOWER_MAZE_EVENT_PORT: "1" }).values["event-port"]).toBe(1);
    expect(parseFlags(TABLE, ["--event-port", "2"], { FOLLOWER_MAZE_EVENT_PORT: "1" }).values["event-port"]).toBe(2);
    expect(parseFlags(TABLE, ["--event-port=3"], {}).values["event-port"]).toBe(3);
  });

  test("an empty environment variable counts as unset", () => {
    expect(parseFlags(TABLE, [], { FOLLOWER_MAZE_EVENT_PORT: "" }).values["event-port"]).toBe(9090);
  });

  test("a good flag hides a bad environment value", () => {
    expect(parseFlags(TABLE, ["--event-port", "5"], { FOLLOWER_MAZE_EVENT_PORT: "junk" }).values["event-port"]).toBe(5);
  });

  test("errors are one line naming the flag or variable", () => {
    expect(usageError(["--event-port", "x"])).toBe('--event-port: expected a whole number from 0 to 65535, got "x"');
    expect(usageError([], { FOLLOWER_MAZE_EVENT_PORT: "x" })).toBe('FOLLOWER_MAZE_EVENT_PORT: expected a whole number from 0 to 65535, got "x"');
    expect(usageError(["--bogus"])).toBe("unknown flag --bogus");
    expect(usageError(["-x"])).toBe("unknown flag -x");
    expect(usageError(["--event-port"])).toBe("--event-port needs a value");
    expect(usageError(["--help=yes"])).toBe("--help does not take a value");
  });

  test("a negative number after a flag is its value, so the range check answers", () => {
    expect(usageError(["--event-port", "-1"])).toBe("--event-port: expected a whole number from 0 to 65535, got -1");
    expect(usageError(["--event-port", "-0"])).toBe("--event-port: expected a whole number from 0 to 65535, got -0");
    expect(parseFlags(TABLE, ["--log-level", "-5"], {}).values["log-level"]).toBe("-5");
    // Only after a flag that takes a value, and not past `--`.
    expect(usageError(["-1"])).toBe("unknown flag -1");
    expect(parseFlags(TABLE, ["--", "--event-port", "-1"], {}).positionals).toEqual(["--event-port", "-1"]);
  });

  test("origin names the flag or the variable a value came from; a default counts as the flag", () => {
    const parsed = parseFlags(TABLE, ["--log-level", "debug"], { FOLLOWER_MAZE_EVENT_PORT: "1" });
    expect([parsed.origin("log-level"), parsed.origin("event-port")]).toEqual(["--log-level", "FOLLOWER_MAZE_EVENT_PORT"]);
    expect(parseFlags(TABLE, [], {}).origin("event-port")).toBe("--event-port");
  });

  test("help, version and positionals are reported, not acted on", () => {
    const parsed = parseFlags(TABLE, ["-h", "--version", "extra"], {});
    expect([parsed.help, parsed.version, parsed.positionals]).toEqual([true, true, ["extra"]]);
  });

  test("--help text lists every flag with its default and variable", () => {
    const text = describeFlags(TABLE);
    expect(text).toContain("--event-port N");
    expect(text).toContain("default 9090; env FOLLOWER_MAZE_EVENT_PORT");
    expect(text).toContain("default info; env FOLLOWER_MAZE_LOG_LEVEL");
  });
});
