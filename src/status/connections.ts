/** What /clients shows of one client connection; implemented by each transport's connection object, read only when listed. */
export interface ClientEntry {
  /** -1 until the handshake names the user. */
  readonly userId: number;
  readonly transport: "tcp" | "ws";
  readonly remote: string;
  /** Wall-clock ms when the connection opened. */
  readonly since: number;
  readonly queuedBytes: number;
  /** Notifications queued for this connection since it opened (sent, or still among its queued bytes). */
  readonly notifications: number;
}

/** What /sources shows of one event-source connection. */
export interface SourceEntry {
  readonly remote: string;
  readonly since: number;
  /** Event lines read from it, well-formed or not (over-long ones are dropped uncounted, as in events_received). */
  readonly lines: number;
  readonly bytes: number;
  /** Where it is: "tls handshake", "awaiting auth", "open" or "closed" (turned away, closing). */
  readonly state: string;
}

export function renderClient(client: ClientEntry): object {
  return {
    user_id: client.userId < 0 ? null : client.userId,
    transport: client.transport,
    remote: client.remote,
    connected_since: new Date(client.since).toISOString(),
    queued_bytes: client.queuedBytes,
    notifications: client.notifications,
  };
}

/** `paused`: the server has paused reading event sources (reorder buffer full), which shows as an open source's state. */
export function renderSource(source: SourceEntry, paused: boolean): object {
  return {
    remote: source.remote,
    connected_since: new Date(source.since).toISOString(),
    state: paused && source.state === "open" ? "paused" : source.state,
    lines: source.lines,
    bytes: source.bytes,
  };
}
