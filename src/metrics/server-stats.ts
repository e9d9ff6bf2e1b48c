/** A point-in-time view of the server's counters and gauges. */
export interface ServerStats {
  linesRead: number;
  eventsApplied: number;
  pending: number;
  nextSeq: number;
  notifications: number;
  /** Bytes the client sockets have taken. */
  sentBytes: number;
  malformed: number;
  oversized: number;
  duplicates: number;
  skipped: number;
  truncated: number;
  eventSources: number;
  sourcesPaused: boolean;
  clients: number;
  users: number;
  /** Client connections opened, before their handshake. */
  clientConnections: number;
  /** Client connections that ended without the server cutting them off: closed by the client, lost, or at shutdown. */
  closedDisconnects: number;
  slowDisconnects: number;
  /** Clients cut off for sending too much after their handshake. */
  floodDisconnects: number;
  badHandshakes: number;
  badTokens: number;
  handshakeTimeouts: number;
  clientsRefused: number;
  sourcesRejected: number;
  /** Failed TLS handshakes on either port. */
  tlsFailures: number;
  queuedBytes: number;
}

/** `serve`'s counters, all zero: a role starts from it and fills in the stage it runs, so dashboards built for serve read a cluster's processes too. */
export const NO_SERVER_STATS: Readonly<ServerStats> = {
  linesRead: 0,
  eventsApplied: 0,
  pending: 0,
  nextSeq: 0,
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

/** The counters line the server logs every --stats-interval, and once more when it stops. */
export function statsLine(s: ServerStats): string {
  return (
    `events in ${s.linesRead}, applied ${s.eventsApplied}, pending ${s.pending} (next seq ${s.nextSeq}${s.sourcesPaused ? ", sources paused" : ""}); ` +
    `notifications ${s.notifications}; sources ${s.eventSources}, clients ${s.clients} (${s.users} users), queued ${s.queuedBytes} B; ` +
    `dropped: malformed ${s.malformed}, oversized ${s.oversized}, duplicates ${s.duplicates}, skipped ${s.skipped}, truncated ${s.truncated}, ` +
    `slow clients ${s.slowDisconnects}, flooding clients ${s.floodDisconnects}, bad handshakes ${s.badHandshakes}, bad tokens ${s.badTokens}, ` +
    `handshake timeouts ${s.handshakeTimeouts}, refused clients ${s.clientsRefused}, rejected sources ${s.sourcesRejected}, TLS failures ${s.tlsFailures}`
  );
}

/**
 * Decides which periodic counters lines are worth printing: only those that
 * differ from the last one, the first compared with the server's state when
 * reporting started, so an idle server says nothing at all.
 */
export class StatsReporter {
  private last: string;

  constructor(initial: ServerStats) {
    this.last = statsLine(initial);
  }

  /** The line to log now, or null when nothing changed. */
  tick(stats: ServerStats): string | null {
    const line = statsLine(stats);
    if (line === this.last) return null;
    this.last = line;
    return line;
  }
}
