import type { Histogram } from "../metrics/histogram.ts";
import { bucketQuantile } from "../metrics/quantile.ts";
import type { ServerStats } from "../metrics/server-stats.ts";
import type { StatusHistory } from "./status-history.ts";

/** Latency percentiles reported, as [name, quantile]. */
const PERCENTILES: [string, number][] = [
  ["p50", 0.5],
  ["p90", 0.9],
  ["p99", 0.99],
  ["p999", 0.999],
];

/** How far back the "recent" latency percentiles look: ten one-second samples, with room for a late timer. */
export const RECENT_LATENCY_MS = 10_500;

/** Percentiles in seconds (null with no observations) and the count they are drawn from. */
function latencySummary(bounds: readonly number[], counts: ArrayLike<number>): Record<string, number | null> {
  let count = 0;
  for (let i = 0; i < counts.length; i++) count += counts[i];
  const summary: Record<string, number | null> = { count };
  for (const [name, q] of PERCENTILES) {
    const seconds = bucketQuantile(bounds, counts, q);
    // A tenth of a microsecond is finer than any bucket is narrow.
    summary[name] = seconds === null ? null : Math.round(seconds * 1e7) / 1e7;
  }
  return summary;
}

export interface StatusContext {
  version: string;
  /** Wall-clock ms when the server started. */
  startedAt: number;
  /** Wall-clock ms now. */
  now: number;
  stats: ServerStats;
  deliveryLatency: Histogram;
  history: StatusHistory;
  /** Milliseconds between the history's samples. */
  sampleIntervalMs: number;
}

/** The /stats document: what the status page shows, in one JSON object (see the README's Monitoring section). */
export function statusReport(c: StatusContext): object {
  const s = c.stats;
  const recent = c.history.recentLatency(RECENT_LATENCY_MS);
  return {
    version: c.version,
    now: new Date(c.now).toISOString(),
    uptime_seconds: Math.round((c.now - c.startedAt) / 1000),
    events: {
      received: s.linesRead,
      applied: s.eventsApplied,
      pending: s.pending,
      next_seq: s.nextSeq,
      sources: s.eventSources,
      sources_paused: s.sourcesPaused,
    },
    notifications: s.notifications,
    sent_bytes: s.sentBytes,
    clients: { connections: s.clients, users: s.users, queued_bytes: s.queuedBytes, opened: s.clientConnections },
    dropped: { malformed: s.malformed, oversized: s.oversized, duplicate: s.duplicates, truncated: s.truncated, skipped: s.skipped },
    disconnects: {
      closed: s.closedDisconnects,
      slow: s.slowDisconnects,
      flooding: s.floodDisconnects,
      bad_handshake: s.badHandshakes,
      bad_token: s.badTokens,
      handshake_timeout: s.handshakeTimeouts,
    },
    refused_clients: s.clientsRefused,
    rejected_sources: s.sourcesRejected,
    tls_failures: s.tlsFailures,
    latency_seconds: {
      recent: { window_seconds: recent.seconds, ...latencySummary(c.deliveryLatency.bounds, recent.counts) },
      total: latencySummary(c.deliveryLatency.bounds, c.deliveryLatency.counts),
    },
    rates: { interval_seconds: c.sampleIntervalMs / 1000, ...ratesOf(c.history) },
  };
}

function ratesOf(history: StatusHistory): object {
  const rates = history.rates();
  return { events_received: rates.received, events_applied: rates.applied, notifications: rates.notifications };
}
