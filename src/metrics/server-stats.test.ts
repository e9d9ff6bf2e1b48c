import { describe, expect, test } from "bun:test";
import { type ServerStats, StatsReporter, statsLine } from "./server-stats.ts";

const IDLE: ServerStats = {
  linesRead: 0,
  eventsApplied: 0,
  pending: 0,
  nextSeq: 1,
  notifications: 0,
  sentBytes: 0,
  malformed: 0,
  oversized: 0,
  duplicates: 0,
  skipped: 0,
  truncated: 0,
  eventSources: 0,
  sourcesPaused: false,
  clients: 0,
  users: 0,
  clientConnections: 0,
  closedDisconnects: 0,
  slowDisconnects: 0,
  floodDisconnects: 0,
  badHandshakes: 0,
  badTokens: 0,
  handshakeTimeouts: 0,
  clientsRefused: 0,
  sourcesRejected: 0,
  tlsFailures: 0,
  queuedBytes: 0,
};

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
