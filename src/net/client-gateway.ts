import type { Socket, TCPSocketListener } from "bun";
import type { ClientTokens } from "../auth/client-tokens.ts";
import { DecimalCursor } from "../protocol/ascii.ts";
import { LineFramer, type LineSink } from "../protocol/line-framer.ts";
import type { ClientTransport } from "../routing/fan-out.ts";
import type { Outbox } from "../routing/outbox.ts";
import type { ClientEntry } from "../status/connections.ts";
import { readHandshake } from "./client-handshake.ts";
import type { ClientSlots } from "./client-slots.ts";
import { Handshake, type Stage, type Timers } from "./handshake.ts";
import { HostNames } from "./host-names.ts";
import { formatAddress, listen, type TlsCredentials } from "./listen.ts";

type ClientSocket = Socket<ClientConnection>;

/** Idle time before TCP starts probing a silent client connection. */
const KEEPALIVE_MS = 60_000;
/**
 * Bytes a client may send after its handshake, all ignored, before it is cut
 * off: a real client sends nothing, and reading a flood forever costs CPU.
 */
export const MAX_IGNORED_BYTES = 64 * 1024;

export type RejectReason = "bad handshake" | "bad token" | "handshake timeout" | "TLS handshake failed";

/** Where joined clients go, whatever their transport: the fan-out, by user id. */
export interface ClientRegistry {
  connect(userId: number, transport: ClientTransport): Outbox<ClientTransport>;
  disconnect(outbox: Outbox<ClientTransport>): void;
  drained(outbox: Outbox<ClientTransport>): void;
  readonly queuedBytes: number;
}

/** What the client side tells the rest of the server; every call is per connection, never per event. */
export interface ClientHooks {
  joined(userId: number, remote: string): void;
  rejected(remote: string, reason: RejectReason, detail: string): void;
  /** Closed on arrival: `limit` connections were already open. */
  refused(remote: string, limit: number): void;
  slow(userId: number, remote: string, limit: number): void;
  /** Sent more than `limit` bytes after its handshake. */
  flooded(userId: number, remote: string, limit: number): void;
  left(userId: number, remote: string): void;
  /** A socket error, or an exception thrown while handling this client. */
  failed(remote: string, error: Error): void;
}

export class ClientCounters {
  /** Connections opened, before their handshake. */
  opened = 0;
  badHandshakes = 0;
  badTokens = 0;
  handshakeTimeouts = 0;
  tlsFailures = 0;
  /** Closed on arrival by --max-clients. */
  refused = 0;
  slowDisconnects = 0;
  /** Cut off for sending more than {@link MAX_IGNORED_BYTES} after the handshake. */
  floods = 0;
  /** Connections that ended other than by the server cutting them off (slow, flooding, bad handshake, handshake timeout). */
  closed = 0;
}

/** One user-client connection: waiting for its handshake line, then only receiving. */
export class ClientConnection implements LineSink, ClientTransport, ClientEntry {
  outbox: Outbox<ClientTransport> | null = null;
  userId = -1;
  readonly transport = "tcp";
  readonly since = Date.now();
  /** Reads the handshake line; let go once the connection is open, since it only receives from then on. */
  private framer: LineFramer | null;
  readonly handshake: Handshake;
  /** Bytes received since the handshake, all ignored. */
  private ignored = 0;

  constructor(
    readonly socket: ClientSocket,
    /** The peer's host (shared with its other connections, see HostNames) and port. */
    private readonly remoteHost: string,
    private readonly remotePort: number,
    private readonly gateway: ClientGateway,
    options: ClientGatewayOptions,
  ) {
    this.framer = new LineFramer(options.maxLineBytes, this);
    this.handshake = new Handshake(options.tls !== null, true, options.timers, options.handshakeTimeoutMs, (stage) =>
      gateway.timedOut(this, stage, options.handshakeTimeoutMs),
    );
  }

  get remote(): string {
    return formatAddress(this.remoteHost, this.remotePort);
  }

  get queuedBytes(): number {
    return this.outbox?.queuedBytes ?? 0;
  }

  get notifications(): number {
    return this.outbox?.notifications ?? 0;
  }

  write(data: Uint8Array, byteOffset: number, byteLength: number): number {
    return this.socket.write(data, byteOffset, byteLength);
  }

  tooSlow(limit: number): void {
    this.gateway.cutOff(this, "slow", limit);
  }

  /** Through its handshake: from now on it only receives. */
  opened(): void {
    this.handshake.open();
    this.framer = null;
  }

  /** A read from the client. Only its first line counts; after it, a bounded amount is read and ignored. */
  received(chunk: Uint8Array): void {
    const stage = this.handshake.stage;
    if (stage === "first line") {
      this.framer?.push(chunk);
    } else if (stage === "open") {
      this.ignored += chunk.length;
      if (this.ignored > MAX_IGNORED_BYTES) this.gateway.cutOff(this, "flooding", MAX_IGNORED_BYTES);
    }
  }

  /** The handshake: `<userId>`, or `<userId> <token>` when the gateway checks tokens. */
  line(buf: Uint8Array, start: number, end: number): void {
    if (this.handshake.stage !== "first line") return;
    const verdict = readHandshake(buf, start, end, this.gateway.tokens, this.gateway.cursor);
    if ("problem" in verdict) this.gateway.reject(this, verdict.problem, verdict.detail);
    else this.gateway.admit(this, verdict.userId);
  }

  oversized(length: number): void {
    if (this.handshake.stage !== "first line") return;
    this.gateway.reject(this, "bad handshake", `first line of ${length} bytes is too long for a user id`);
  }
}

/** The counter each rejection bumps, on either client port. */
export const REJECT_COUNTERS: Record<RejectReason, "badHandshakes" | "badTokens" | "handshakeTimeouts" | "tlsFailures"> = {
  "bad handshake": "badHandshakes",
  "bad token": "badTokens",
  "handshake timeout": "handshakeTimeouts",
  "TLS handshake failed": "tlsFailures",
};

export interface ClientGatewayOptions {
  host: string;
  port: number;
  maxLineBytes: number;
  handshakeTimeoutMs: number;
  tls: TlsCredentials | null;
  /** When set, the handshake must carry the user's token. */
  tokens: ClientTokens | null;
  /** --max-clients, shared with the WebSocket port: connections open at once, those still in their handshake included. */
  slots: ClientSlots;
  timers: Timers;
}

/**
 * The client port: accepts user clients, reads the user id each sends as its
 * first line within the handshake timeout, and joins the connection to the
 * registry (the fan-out) that delivers to it. A connection leaves the
 * registry the moment it closes, so a disconnect costs nothing beyond itself.
 */
export class ClientGateway {
  readonly counters = new ClientCounters();
  readonly tokens: ClientTokens | null;
  /** Shared by every handshake: they run one at a time. */
  readonly cursor = new DecimalCursor();
  private readonly listener: TCPSocketListener<ClientConnection>;
  private readonly sockets = new Set<ClientSocket>();
  private readonly hosts = new HostNames();
  /** Set while {@link flushed} waits. */
  private onFlushed: (() => void) | null = null;

  constructor(
    private readonly options: ClientGatewayOptions,
    private readonly registry: ClientRegistry,
    private readonly hooks: ClientHooks,
  ) {
    this.tokens = options.tokens;
    this.listener = listen<ClientConnection>("client", options.host, options.port, options.tls, {
      open: (socket) => this.opened(socket),
      // A connection refused by --max-clients has no data: whatever it sends or takes is nobody's business.
      data(socket, chunk: Uint8Array) {
        socket.data?.received(chunk);
      },
      drain: (socket) => {
        const outbox = socket.data?.outbox ?? null;
        if (outbox !== null) registry.drained(outbox);
        this.checkFlushed();
      },
      close: (socket) => this.closed(socket),
      error: (socket, error) => {
        // Only reports: after a socket error `close` follows and does the bookkeeping.
        this.hooks.failed(socket.data?.remote ?? "(unknown)", error);
      },
      // TLS only.
      handshake: (socket, success, authorizationError) => {
        const connection = socket.data;
        if (connection === undefined || connection.handshake.stage !== "tls") return;
        if (success) connection.handshake.secured();
        else this.reject(connection, "TLS handshake failed", authorizationError?.message ?? "no detail");
      },
    });
  }

  get port(): number {
    return this.listener.port;
  }

  /** Open connections, including those still owing their handshake. */
  get connected(): number {
    return this.sockets.size;
  }

  /** Every open connection, oldest first (a Set keeps insertion order), handshakes included. */
  *connections(): IterableIterator<ClientEntry> {
    for (const socket of this.sockets) yield socket.data;
  }

  admit(connection: ClientConnection, userId: number): void {
    connection.opened();
    connection.userId = userId;
    connection.outbox = this.registry.connect(userId, connection);
    this.hooks.joined(userId, connection.remote);
  }

  reject(connection: ClientConnection, reason: RejectReason, detail: string): void {
    const stage = connection.handshake.close();
    if (stage === "closed" || stage === "open") return;
    this.counters[REJECT_COUNTERS[reason]]++;
    this.hooks.rejected(connection.remote, reason, detail);
    connection.socket.end();
  }

  timedOut(connection: ClientConnection, stage: Stage, timeoutMs: number): void {
    // A TLS failure can follow a handshake timeout: the first one counts, the connection is already closed.
    this.reject(connection, "handshake timeout", `${stage === "tls" ? "not through the TLS handshake" : "no user id"} within ${timeoutMs} ms`);
  }

  /** Disconnects a joined client for what it did, counted once: its close is not counted again. */
  cutOff(connection: ClientConnection, why: "slow" | "flooding", limit: number): void {
    if (connection.handshake.close() !== "open") return;
    if (connection.outbox !== null) this.registry.disconnect(connection.outbox);
    if (why === "slow") {
      this.counters.slowDisconnects++;
      this.hooks.slow(connection.userId, connection.remote, limit);
    } else {
      this.counters.floods++;
      this.hooks.flooded(connection.userId, connection.remote, limit);
    }
    connection.socket.terminate();
  }

  /** Stops accepting new clients; connected ones stay so queued output can still reach them. */
  stopAccepting(): void {
    this.listener.stop(false);
  }

  /** Resolves once every queued byte has been taken by the sockets or dropped with its connection, or after `deadlineMs`. Returns whether all was sent. */
  flushed(deadlineMs: number): Promise<boolean> {
    if (this.registry.queuedBytes === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.onFlushed = null;
        resolve(false);
      }, deadlineMs);
      this.onFlushed = () => {
        clearTimeout(timer);
        this.onFlushed = null;
        resolve(true);
      };
    });
  }

  /**
   * Closes every client connection. One that still has notifications queued
   * (the shutdown deadline passed) is reset rather than closed normally, so
   * the client can tell an incomplete stream from a finished one.
   */
  closeAll(): void {
    for (const socket of this.sockets) {
      if ((socket.data.outbox?.queuedBytes ?? 0) > 0) socket.terminate();
      else socket.end();
    }
    this.listener.stop(true);
  }

  /**
   * Nothing is owed any more (a socket took the last bytes, or the last
   * backed-up client left): shutdown can end. The WebSocket port calls it
   * too, since the total it checks covers every transport.
   */
  checkFlushed(): void {
    if (this.onFlushed !== null && this.registry.queuedBytes === 0) this.onFlushed();
  }

  private opened(socket: ClientSocket): void {
    // Before anything is allocated for it: the limit is what bounds memory held by connections.
    if (!this.options.slots.take()) {
      this.counters.refused++;
      this.hooks.refused(formatAddress(socket.remoteAddress, socket.remotePort), this.options.slots.limit);
      socket.end();
      return;
    }
    socket.data = new ClientConnection(socket, this.hosts.intern(socket.remoteAddress), socket.remotePort, this, this.options);
    this.sockets.add(socket);
    this.counters.opened++;
    // Writes are already batched per read, so Nagle would only add latency.
    socket.setNoDelay(true);
    // A client that vanished without a FIN would otherwise hold its slot until a write fails.
    socket.setKeepAlive(true, KEEPALIVE_MS);
  }

  private closed(socket: ClientSocket): void {
    if (!this.sockets.delete(socket)) return;
    this.options.slots.release();
    const connection = socket.data;
    const stage = connection.handshake.close();
    if (stage === "tls") {
      // The peer gave up during TLS (one that does not trust the certificate may just close): a TLS failure like any other.
      this.counters.tlsFailures++;
      this.hooks.rejected(connection.remote, "TLS handshake failed", "disconnected during the TLS handshake");
    } else if (stage !== "closed") {
      this.counters.closed++;
    }
    if (connection.outbox !== null) {
      this.registry.disconnect(connection.outbox);
      if (stage === "open") this.hooks.left(connection.userId, connection.remote);
    }
    this.checkFlushed();
  }
}
