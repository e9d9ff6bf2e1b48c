import { describe, expect, test } from "bun:test";
import { Histogram } from "./histogram.ts";
import { DELIVERY_LATENCY, renderServerMetrics, SERVER_METRICS } from "./server-metrics.ts";
import type { ServerStats } from "./server-stats.ts";

/** Every field a distinct value, so a row reading the wrong field shows. */
const STATS: ServerStats = {
  linesRead: 101,
  eventsApplied: 102,
  pending: 103,
  nextSeq: 104,
  notifications: 105,
  sentBytes: 106,
  malformed: 107,
  oversized: 108,
  duplicates: 109,
  skipped: 110,
  truncated: 111,
  eventSources: 112,
  sourcesPaused: true,
  clients: 113,
  users: 114,
  clientConnections: 115,
  closedDisconnects: 116,
  slowDisconnects: 117,
  badHandshakes: 118,
  handshakeTimeouts: 119,
  queuedBytes: 120,
  badTokens: 121,
  clientsRefused: 122,
  sourcesRejected: 123,
  tlsFailures: 124,
  floodDisconnects: 125,
};

function samples(page: string): Map<string, string> {
  const lines = page.split("\n").filter((line) => line !== "" && !line.startsWith("#"));
  return new Map(lines.map((line) => [line.slice(0, line.lastIndexOf(" ")), line.slice(line.lastIndexOf(" ") + 1)]));
}

describe("server metrics", () => {
  test("names are unique, prefixed, and counters end in _total", () => {
    const names = SERVER_METRICS.map((metric) => metric.name);
    expect(new Set(names).size).toBe(names.length);
    for (const metric of SERVER_METRICS) {
      expect(metric.name).toMatch(/^follower_maze_[a-z_]+$/);
      expect(metric.name.endsWith("_total")).toBe(metric.type === "counter");
      expect(metric.help).toMatch(/^[A-Z0-9].*\.$/);
    }
    expect(names).not.toContain(DELIVERY_LATENCY.name);
  });

  test("every sample reads its own field of the stats", () => {
    const page = renderServerMetrics(STATS, new Histogram(DELIVERY_LATENCY.buckets));
    expect(Object.fromEntries([...samples(page)].filter(([key]) => !key.startsWith(DELIVERY_LATENCY.name)))).toEqual({
      follower_maze_events_received_total: "101",
      follower_maze_events_delivered_total: "102",
      'follower_maze_events_dropped_total{reason="malformed"}': "107",
      'follower_maze_events_dropped_total{reason="oversized"}': "108",
      'follower_maze_events_dropped_total{reason="duplicate"}': "109",
      'follower_maze_events_dropped_total{reason="truncated"}': "111",
      follower_maze_events_skipped_total: "110",
      follower_maze_notifications_total: "105",
      follower_maze_sent_bytes_total: "106",
      follower_maze_client_connections_total: "115",
      'follower_maze_client_disconnects_total{reason="closed"}': "116",
      'follower_maze_client_disconnects_total{reason="slow"}': "117",
      'follower_maze_client_disconnects_total{reason="flooding"}': "125",
      'follower_maze_client_disconnects_total{reason="bad_handshake"}': "118",
      'follower_maze_client_disconnects_total{reason="bad_token"}': "121",
      'follower_maze_client_disconnects_total{reason="handshake_timeout"}': "119",
      follower_maze_clients_refused_total: "122",
      follower_maze_event_sources_rejected_total: "123",
      follower_maze_tls_failures_total: "124",
      follower_maze_pending_events: "103",
      follower_maze_next_sequence_number: "104",
      follower_maze_event_sources: "112",
      follower_maze_event_sources_paused: "1",
      follower_maze_connected_clients: "113",
      follower_maze_connected_users: "114",
      follower_maze_queued_bytes: "120",
    });
    expect(samples(renderServerMetrics({ ...STATS, sourcesPaused: false }, new Histogram([1]))).get("follower_maze_event_sources_paused")).toBe("0");
  });

  test("the delivery latency histogram follows the counters, with buckets from 10 µs to 100 s", () => {
    expect(DELIVERY_LATENCY.buckets[0]).toBe(0.00001);
    expect(DELIVERY_LATENCY.buckets.at(-1)).toBe(100);
    const latency = new Histogram(DELIVERY_LATENCY.buckets);
    latency.observe(0.0003, 4000);
    latency.observe(2.5, 1);
    const page = renderServerMetrics(STATS, latency);
    expect(page.indexOf(`# TYPE ${DELIVERY_LATENCY.name} histogram`)).toBeGreaterThan(page.indexOf("follower_maze_queued_bytes "));
    const found = samples(page);
    expect(found.get(`${DELIVERY_LATENCY.name}_bucket{le="0.0002"}`)).toBe("0");
    expect(found.get(`${DELIVERY_LATENCY.name}_bucket{le="0.0005"}`)).toBe("4000");
    expect(found.get(`${DELIVERY_LATENCY.name}_bucket{le="2"}`)).toBe("4000");
    expect(found.get(`${DELIVERY_LATENCY.name}_bucket{le="5"}`)).toBe("4001");
    expect(found.get(`${DELIVERY_LATENCY.name}_bucket{le="+Inf"}`)).toBe("4001");
    expect(found.get(`${DELIVERY_LATENCY.name}_count`)).toBe("4001");
    expect(Number(found.get(`${DELIVERY_LATENCY.name}_sum`))).toBeCloseTo(3.7, 9);
  });
});
