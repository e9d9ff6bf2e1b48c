import { Exposition, type Labels } from "./exposition.ts";
import { decadeBuckets, type Histogram } from "./histogram.ts";
import type { ServerStats } from "./server-stats.ts";

type Read = (stats: ServerStats) => number;

/** One metric family drawn from {@link ServerStats}: a sample per label set. */
export interface StatMetric {
  name: string;
  type: "counter" | "gauge";
  help: string;
  samples: [Labels, Read][];
}

function counter(name: string, help: string, read: Read): StatMetric {
  return { name, type: "counter", help, samples: [[{}, read]] };
}

function gauge(name: string, help: string, read: Read): StatMetric {
  return { name, type: "gauge", help, samples: [[{}, read]] };
}

/** A counter with one sample per value of `label`. */
function counterBy(name: string, help: string, label: string, reads: Record<string, Read>): StatMetric {
  return { name, type: "counter", help, samples: Object.entries(reads).map(([value, read]) => [{ [label]: value }, read]) };
}

/** Everything /metrics reports from the server's counters and gauges; a new counter is one row here. */
export const SERVER_METRICS: StatMetric[] = [
  counter(
    "follower_maze_events_received_total",
    "Event lines read from event sources, well-formed or not (over-long lines count only as dropped).",
    (s) => s.linesRead,
  ),
  counter(
    "follower_maze_events_delivered_total",
    "Events applied in sequence order and queued for their recipients (a malformed line whose sequence number was readable counts here as a no-op).",
    (s) => s.eventsApplied,
  ),
  counterBy("follower_maze_events_dropped_total", "Event lines dropped, by reason.", "reason", {
    malformed: (s) => s.malformed,
    oversized: (s) => s.oversized,
    duplicate: (s) => s.duplicates,
    truncated: (s) => s.truncated,
  }),
  counter("follower_maze_events_skipped_total", "Missing sequence numbers given up on after --gap-timeout.", (s) => s.skipped),
  counter("follower_maze_notifications_total", "Notifications queued for client connections: one per event per receiving connection.", (s) => s.notifications),
  counter("follower_maze_sent_bytes_total", "Bytes of notifications the client sockets have taken.", (s) => s.sentBytes),
  counter("follower_maze_client_connections_total", "Client connections opened, counted before their handshake.", (s) => s.clientConnections),
  counterBy(
    "follower_maze_client_disconnects_total",
    "Client connections ended, by reason: closed (by the client, lost, or at shutdown), slow (over --max-client-buffer), flooding (sent too much after the handshake), bad_handshake, bad_token (--client-secret), handshake_timeout.",
    "reason",
    {
      closed: (s) => s.closedDisconnects,
      slow: (s) => s.slowDisconnects,
      flooding: (s) => s.floodDisconnects,
      bad_handshake: (s) => s.badHandshakes,
      bad_token: (s) => s.badTokens,
      handshake_timeout: (s) => s.handshakeTimeouts,
    },
  ),
  counter(
    "follower_maze_clients_refused_total",
    "Client connections closed on arrival because --max-clients were open (not counted as connections).",
    (s) => s.clientsRefused,
  ),
  counter(
    "follower_maze_event_sources_rejected_total",
    "Event sources closed before any of their events were read for not authenticating: no AUTH line, a wrong one, or none within the handshake timeout (failed TLS handshakes count as tls_failures).",
    (s) => s.sourcesRejected,
  ),
  counter("follower_maze_tls_failures_total", "Failed TLS handshakes, on either port.", (s) => s.tlsFailures),
  gauge("follower_maze_pending_events", "Events held in the reorder buffer, waiting for an earlier sequence number.", (s) => s.pending),
  gauge("follower_maze_next_sequence_number", "The sequence number the server is waiting to apply next.", (s) => s.nextSeq),
  gauge("follower_maze_event_sources", "Connected event sources.", (s) => s.eventSources),
  gauge("follower_maze_event_sources_paused", "1 while event sources are paused because the reorder buffer is full, else 0.", (s) => (s.sourcesPaused ? 1 : 0)),
  gauge("follower_maze_connected_clients", "Client connections that have sent their user id.", (s) => s.clients),
  gauge("follower_maze_connected_users", "Distinct users with at least one connection.", (s) => s.users),
  gauge("follower_maze_queued_bytes", "Bytes of notifications queued in the server because client sockets have not taken them yet.", (s) => s.queuedBytes),
];

export const DELIVERY_LATENCY = {
  name: "follower_maze_delivery_latency_seconds",
  help: "Time from reading an event to the write of its notifications to the client sockets after it was applied, one observation per delivered event.",
  /** 10 µs to 100 s, three buckets a decade: in-order events take well under a millisecond, held ones up to --gap-timeout. */
  buckets: decadeBuckets(-5, 2),
};

/** The /metrics page. */
export function renderServerMetrics(stats: ServerStats, deliveryLatency: Histogram): string {
  const page = new Exposition();
  for (const metric of SERVER_METRICS) {
    page.family(metric.name, metric.type, metric.help);
    for (const [labels, read] of metric.samples) page.sample(labels, read(stats));
  }
  page.histogram(DELIVERY_LATENCY.name, DELIVERY_LATENCY.help, deliveryLatency);
  return page.toString();
}
