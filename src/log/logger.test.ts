import { describe, expect, test } from "bun:test";
import { type LogFormat, Logger, type LogLevel, RateLimitedLog } from "./logger.ts";

function capture(level: LogLevel, format: LogFormat = "text") {
  const lines: string[] = [];
  return { lines, logger: new Logger(level, (line) => lines.push(line), format) };
}

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe("Logger", () => {
  test("prints its level and above, one timestamped line each", () => {
    const { lines, logger } = capture("warn");
    logger.error("e");
    logger.warn("w");
    logger.info("i");
    logger.debug("d");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z error e$/);
    expect(lines[1]).toMatch(/Z warn {2}w$/);
  });

  test("debug enables and prints everything", () => {
    const { lines, logger } = capture("debug");
    const levels: LogLevel[] = ["error", "warn", "info", "debug"];
    expect(levels.map((level) => logger.enabled(level))).toEqual([true, true, true, true]);
    for (const level of levels) logger.log(level, `at ${level}`);
    expect(lines.map((line) => line.slice(25))).toEqual(["error at error", "warn  at warn", "info  at info", "debug at debug"]);
  });

  test("enabled() agrees with what is printed at each level", () => {
    const levels: LogLevel[] = ["error", "warn", "info", "debug"];
    for (const threshold of levels) {
      const { lines, logger } = capture(threshold);
      for (const level of levels) logger.log(level, "x");
      expect(lines.map((line) => line.slice(25).split(" ")[0])).toEqual(levels.filter((level) => logger.enabled(level)));
      expect(lines).toHaveLength(levels.indexOf(threshold) + 1);
    }
  });

  test("announcements are printed whatever the level, bare in text format", () => {
    const { lines, logger } = capture("error");
    logger.announce("info", "follower-maze listening: events on 127.0.0.1:9090");
    expect(lines).toEqual(["follower-maze listening: events on 127.0.0.1:9090"]);
  });

  test("json: one object per line with time, level and message, announcements included", () => {
    const { lines, logger } = capture("warn", "json");
    logger.warn('quote " backslash \\ newline \n tab \t é');
    logger.info("below the level");
    logger.announce("info", "listening");
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).not.toContain("\n");
    const [warned, announced] = lines.map((line) => JSON.parse(line));
    expect(Object.keys(warned)).toEqual(["time", "level", "msg"]);
    expect(warned).toMatchObject({ level: "warn", msg: 'quote " backslash \\ newline \n tab \t é' });
    expect(warned.time).toMatch(ISO_TIME);
    expect(announced).toMatchObject({ level: "info", msg: "listening" });
    expect(announced.time).toMatch(ISO_TIME);
  });
});

describe("RateLimitedLog", () => {
  test("lets a burst through per window, then reports how many it held back", () => {
    const { lines, logger } = capture("info");
    let now = 0;
    const limited = new RateLimitedLog(logger, "warn", "bad lines", 3, 1000, () => now);
    for (let i = 0; i < 10; i++) limited.log(() => `bad ${i}`);
    expect(lines.map((line) => line.slice(25))).toEqual(["warn  bad 0", "warn  bad 1", "warn  bad 2"]);
    now = 1000;
    limited.log(() => "bad 10");
    expect(lines.slice(3).map((line) => line.slice(25))).toEqual(["warn  7 more bad lines not logged in the last 1s", "warn  bad 10"]);
  });

  test("builds a message only when it is printed: not below the log level, not when held back", () => {
    const quiet = capture("error");
    let built = 0;
    new RateLimitedLog(quiet.logger, "debug", "duplicates").log(() => `${++built}`);
    expect(built).toBe(0);
    expect(quiet.lines).toEqual([]);

    const { lines, logger } = capture("debug");
    const limited = new RateLimitedLog(logger, "debug", "duplicates", 2, 1000, () => 0);
    for (let i = 0; i < 5; i++) limited.log(() => `duplicate ${++built}`);
    expect(built).toBe(2);
    expect(lines.map((line) => line.slice(25))).toEqual(["debug duplicate 1", "debug duplicate 2"]);
  });
});
