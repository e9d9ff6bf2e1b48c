import { describe, expect, test } from "bun:test";
import { parseSamples } from "../../test/support/scrape.ts";
import { type EdgeStats, renderEdgeMetrics, renderSequencerMetrics, type SequencerStats } from "./cluster-metrics.ts";
import { Histogram } from "./histogram.ts";
import { DELIVERY_LATENCY } from "./server-metrics.ts";
import { NO_SERVER_STATS } from "./server-stats.ts";

const SEQUENCER: SequencerStats = {
  ...NO_SERVER_STATS,
  role: "sequencer",
  leader: true,
  redisUp: true,
  linesRead: 120,
  eventsApplied: 100,
  pending: 3,
  nextSeq: 101,
  malformed: 2,
  oversized: 1,
  duplicates: 17,
  eventSources: 1,
  sourcesPaused: true,
  appended: 90,
  backlog: 10,
  stored: 90,
  redisErrors: 4,
  terms: 2,
};

const EDGE: EdgeStats = {
  ...NO_SERVER_STATS,
  role: "edge",
  ready: false,
  redisUp: true,
  applied: 80,
  top: 90,
  lagEvents: 10,
  lagSeconds: 1.5,
  caughtUp: true,
  rebuilds: 1,
  entries: 7,
  eventsApplied: 80,
  nextSeq: 81,
  notifications: 55,
  sentBytes: 700,
  clients: 5,
  users: 4,
  clientConnections: 9,
  closedDisconnects: 4,
};

describe("cluster metrics", () => {
  test("a sequencer reports serve's event-side metrics, its client side at zero, and the stream's", () => {
    const latency = new Histogram(DELIVERY_LATENCY.buckets);
    latency.observe(0.002, 90);
    const samples = parseSamples(renderSequencerMetrics(SEQUENCER, latency));
    expect(samples.get("follower_maze_events_received_total")).toBe(120);
    expect(samples.get('follower_maze_events_dropped_total{reason="duplicate"}')).toBe(17);
    expect(samples.get("follower_maze_event_sources_paused")).toBe(1);
    expect(samples.get("follower_maze_connected_clients")).toBe(0);
    expect(samples.get("follower_maze_sequencer_leader")).toBe(1);
    expect(samples.get("follower_maze_appended_events_total")).toBe(90);
    expect(samples.get("follower_maze_append_backlog_events")).toBe(10);
    expect(samples.get("follower_maze_redis_errors_total")).toBe(4);
    expect(samples.get("follower_maze_append_latency_seconds_count")).toBe(90);
  });

  test("an edge reports serve's client-side metrics, its event side at zero, and its lag", () => {
    const samples = parseSamples(renderEdgeMetrics(EDGE));
    expect(samples.get("follower_maze_events_received_total")).toBe(0);
    expect(samples.get("follower_maze_events_delivered_total")).toBe(80);
    expect(samples.get("follower_maze_notifications_total")).toBe(55);
    expect(samples.get("follower_maze_connected_clients")).toBe(5);
    expect(samples.get("follower_maze_edge_ready")).toBe(0);
    expect(samples.get("follower_maze_edge_lag_events")).toBe(10);
    expect(samples.get("follower_maze_edge_lag_seconds")).toBe(1.5);
    expect(samples.get("follower_maze_edge_rebuilds_total")).toBe(1);
    expect(samples.get("follower_maze_stream_last_sequence_number")).toBe(90);
  });
});
