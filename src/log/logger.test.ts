import { describe, expect, test } from "bun:test";
import { Logger, RateLimitedLog } from "./logger.ts";

function capture(level: ConstructorParameters<typeof Logger>[0]) {
  const lines: string[] = [];
  return { lines, logger: new Logger(level, (line) => lines.push(line)) };
}

describe("Logger", () => {
  test("prints its level and above, one timestamped line each", () => {
    const { lines, logger } = capture("warn");
    logger.error("e");
    logger.warn("w");
    logger.info("i");
    logger.debug("d");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z error e$/);
    expect(lines[1]).toMatch(/Z warn  w$/);
  });

  test("debug enables everything", () => {
    const { logger } = capture("debug");
    expect(["error", "warn", "info", "debug"].map((level) => logger.enabled(level as "error"))).toEqual([true, true, true, true]);
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

  test("does not even build messages below the log level", () => {
    const { lines, logger } = capture("error");
    const limited = new RateLimitedLog(logger, "debug", "duplicates");
    let built = 0;
    limited.log(() => `${++built}`);
    expect(built).toBe(0);
    expect(lines).toEqual([]);
  });
});
