import { Exposition } from "./exposition.ts";
import type { Histogram } from "./histogram.ts";
import { SERVER_METRICS } from "./server-metrics.ts";
import type { ServerStats } from "./server-stats.ts";

/** A sequencer's counters: the event-port half of `serve`'s, plus the stream's. */
export interface SequencerStats extends ServerStats {
  role: "sequencer";
  /** Holds the lease (else a standby). */
  leader: boolean;
  redisUp: boolean;
  /** Sequence numbers stored in the stream by this process. */
  appended: number;
  /** Sequence numbers ordered and not yet stored. */
  backlog: number;
  /** The last sequence number known to be in the stream. */
  stored: number;
  redisErrors: number;
  /** Times this process took the lease. */
  terms: number;
}

/** An edge's counters: the client-port half of `serve`'s, plus its place in the stream. */
export interface EdgeStats extends ServerStats {
  role: "edge";
  ready: boolean;
  redisUp: boolean;
  /** The last sequence number applied. */
  applied: number;
  top: number;
  lagEvents: number;
  lagSeconds: number;
  caughtUp: boolean;
  rebuilds: number;
  entries: number;
}

function serverFamilies(page: Exposition, stats: ServerStats): void {
  for (const metric of SERVER_METRICS) {
    page.family(metric.name, metric.type, metric.help);
    for (const [labels, read] of metric.samples) page.sample(labels, read(stats));
  }
}

function one(page: Exposition, name: string, type: "counter" | "gauge", help: string, value: number): void {
  page.family(name, type, help);
  page.sample({}, value);
}

export const APPEND_LATENCY = {
  name: "follower_maze_append_latency_seconds",
  help: "Time from the end of the read that ordered an event to Redis confirming the XADD that stored it, one observation per sequence number.",
};

export function renderSequencerMetrics(s: SequencerStats, appendLatency: Histogram): string {
  const page = new Exposition();
  serverFamilies(page, s);
  one(page, "follower_maze_sequencer_leader", "gauge", "1 while this sequencer holds the lease and appends, 0 as a standby.", s.leader ? 1 : 0);
  one(page, "follower_maze_redis_up", "gauge", "1 while the connection to Redis works, else 0.", s.redisUp ? 1 : 0);
  one(
    page,
    "follower_maze_appended_events_total",
    "counter",
    "Sequence numbers this process stored in the stream (events, no-ops and skipped numbers).",
    s.appended,
  );
  one(page, "follower_maze_append_backlog_events", "gauge", "Sequence numbers ordered but not yet stored in Redis.", s.backlog);
  one(page, "follower_maze_stream_last_sequence_number", "gauge", "The last sequence number known to be in the stream.", s.stored);
  one(page, "follower_maze_redis_errors_total", "counter", "Redis commands that failed (lost connection, no reply in time, or an error reply).", s.redisErrors);
  one(page, "follower_maze_sequencer_terms_total", "counter", "Times this process took the sequencer lease.", s.terms);
  page.histogram(APPEND_LATENCY.name, APPEND_LATENCY.help, appendLatency);
  return page.toString();
}

export function renderEdgeMetrics(s: EdgeStats): string {
  const page = new Exposition();
  serverFamilies(page, s);
  one(page, "follower_maze_edge_ready", "gauge", "1 while the edge is caught up and following the stream (what /readyz says), else 0.", s.ready ? 1 : 0);
  one(page, "follower_maze_redis_up", "gauge", "1 while the connections to Redis work, else 0.", s.redisUp ? 1 : 0);
  one(page, "follower_maze_edge_applied_sequence_number", "gauge", "The last sequence number this edge applied.", s.applied);
  one(page, "follower_maze_stream_last_sequence_number", "gauge", "The stream's last sequence number, as last seen (at most a second old).", s.top);
  one(page, "follower_maze_edge_lag_events", "gauge", "Sequence numbers in the stream this edge has not applied yet.", s.lagEvents);
  one(page, "follower_maze_edge_lag_seconds", "gauge", "Seconds since this edge was last at the stream's top (0 while it keeps up).", s.lagSeconds);
  one(page, "follower_maze_edge_caught_up", "gauge", "1 once the catch-up from the snapshot is done and the tail is followed, else 0.", s.caughtUp ? 1 : 0);
  one(
    page,
    "follower_maze_edge_rebuilds_total",
    "counter",
    "Times the edge dropped its clients and rebuilt from the snapshot (new epoch, or a gap in the stream).",
    s.rebuilds,
  );
  one(page, "follower_maze_edge_entries_total", "counter", "Stream entries applied (each a batch of events).", s.entries);
  return page.toString();
}

/** The counters line of --stats-interval. */
export function clusterStatsLine(s: SequencerStats | EdgeStats): string {
  if (s.role === "sequencer") {
    return (
      `${s.leader ? "leader" : "standby"}; events in ${s.linesRead}, applied ${s.eventsApplied}, pending ${s.pending} (next seq ${s.nextSeq}${s.sourcesPaused ? ", sources paused" : ""}); ` +
      `stored up to ${s.stored}, backlog ${s.backlog}, appended ${s.appended}; sources ${s.eventSources}; redis ${s.redisUp ? "up" : "down"}, errors ${s.redisErrors}; ` +
      `dropped: malformed ${s.malformed}, oversized ${s.oversized}, duplicates ${s.duplicates}, skipped ${s.skipped}, truncated ${s.truncated}`
    );
  }
  return (
    `${s.ready ? "ready" : "not ready"}; applied ${s.applied} of ${s.top} (lag ${s.lagEvents} events, ${s.lagSeconds.toFixed(1)} s), rebuilds ${s.rebuilds}; ` +
    `notifications ${s.notifications}; clients ${s.clients} (${s.users} users), queued ${s.queuedBytes} B; redis ${s.redisUp ? "up" : "down"}; ` +
    `slow clients ${s.slowDisconnects}, bad handshakes ${s.badHandshakes}, bad tokens ${s.badTokens}, refused clients ${s.clientsRefused}`
  );
}
