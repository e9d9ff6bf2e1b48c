import { describe, expect, test } from "bun:test";
import { Histogram } from "../metrics/histogram.ts";
import type { ServerStats } from "../metrics/server-stats.ts";
import { StatusHistory } from "./status-history.ts";
import { RECENT_LATENCY_MS, statusReport } from "./status-report.ts";

const STATS: ServerStats = {
  linesRead: 10,
  eventsApplied: 8,
  pending: 1,
  nextSeq: 9,
  notifications: 30,
  sentBytes: 300,
  malformed: 1,
  oversized: 2,
  duplicates: 3,
  skipped: 4,
  truncated: 5,
  eventSources: 1,
  sourcesPaused: true,
  clients: 3,
  users: 2,
  clientConnections: 6,
  closedDisconnects: 1,
  slowDisconnects: 2,
  floodDisconnects: 9,
  badHandshakes: 3,
  badTokens: 4,
  handshakeTimeouts: 5,
  clientsRefused: 6,
  sourcesRejected: 7,
  tlsFailures: 8,
  queuedBytes: 99,
};

describe("statusReport", () => {
  test("every figure under its name; recent latency from the history's window, total from the whole histogram", () => {
    const latency = new Histogram([0.001, 0.01]);
    const history = new StatusHistory(20, latency.counts.length);
    latency.observe(0.0005, 10);
    history.record(0, { received: 0, applied: 0, notifications: 0, latency: latency.counts });
    latency.observe(0.005, 10);
    history.record(RECENT_LATENCY_MS - 500, { received: 20, applied: 10, notifications: 40, latency: latency.counts });
    latency.observe(0.005, 10);
    history.record(RECENT_LATENCY_MS + 500, { received: 30, applied: 20, notifications: 50, latency: latency.counts });

    const report = statusReport({ version: "9.9.9", startedAt: 1_000, now: 62_400, stats: STATS, deliveryLatency: latency, history, sampleIntervalMs: 1000 });
    expect(report).toEqual({
      version: "9.9.9",
      now: "1970-01-01T00:01:02.400Z",
      uptime_seconds: 61,
      events: { received: 10, applied: 8, pending: 1, next_seq: 9, sources: 1, sources_paused: true },
      notifications: 30,
      sent_bytes: 300,
      clients: { connections: 3, users: 2, queued_bytes: 99, opened: 6 },
      dropped: { malformed: 1, oversized: 2, duplicate: 3, truncated: 5, skipped: 4 },
      disconnects: { closed: 1, slow: 2, flooding: 9, bad_handshake: 3, bad_token: 4, handshake_timeout: 5 },
      refused_clients: 6,
      rejected_sources: 7,
      tls_failures: 8,
      latency_seconds: {
        // The sample at 0 is more than the window before the newest: only the last 10 observations count.
        recent: { window_seconds: 1, count: 10, p50: 0.0055, p90: 0.0091, p99: 0.00991, p999: 0.009991 },
        // 10 in the first bucket, 20 in (0.001, 0.01]: p90 is rank 27, 17/20 of the way through the second.
        total: { count: 30, p50: 0.00325, p90: 0.00865, p99: 0.009865, p999: 0.0099865 },
      },
      rates: { interval_seconds: 1, events_received: [2, 10], events_applied: [1, 10], notifications: [4, 10] },
    });
  });
});
