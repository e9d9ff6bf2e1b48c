import { describe, expect, test } from "bun:test";
import { NO_SERVER_STATS, type ServerStats, StatsReporter, statsLine } from "./server-stats.ts";

const IDLE: ServerStats = { ...NO_SERVER_STATS, nextSeq: 1 };

describe("StatsReporter", () => {
  test("an idle server prints nothing, not even at the first interval", () => {
    const reporter = new StatsReporter(IDLE);
    expect(reporter.tick(IDLE)).toBeNull();
    expect(reporter.tick({ ...IDLE })).toBeNull();
  });

  test("a line appears when a counter changed, once", () => {
    const reporter = new StatsReporter(IDLE);
    const busy = { ...IDLE, linesRead: 3, eventsApplied: 3, nextSeq: 4 };
    expect(reporter.tick(busy)).toBe(statsLine(busy));
    expect(reporter.tick(busy)).toBeNull();
    expect(reporter.tick({ ...busy, floodDisconnects: 1 })).toContain("flooding clients 1");
  });
});
