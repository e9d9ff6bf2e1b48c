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
