import type { Socket, TCPSocketListener } from "bun";
import { type ClientTokens, TOKEN_HEX_DIGITS, type TokenProblem } from "../auth/client-tokens.ts";
import type { UserIndex } from "../graph/user-index.ts";
import { quote } from "../log/quote.ts";
import { MAX_USER_ID, SPACE, scanDecimal, scanEnd } from "../protocol/ascii.ts";
import { LineFramer, type LineSink } from "../protocol/line-framer.ts";
import type { ClientDirectory } from "../routing/client-directory.ts";
import type { Outbox } from "../routing/outbox.ts";
import type { ClientEntry } from "../status/connections.ts";
import { formatAddress, listen, type TlsCredentials } from "./listen.ts";

export type ClientSocket = Socket<ClientConnection>;

/** Idle time before TCP starts probing a silent client connection. */
const KEEPALIVE_MS = 60_000;
export type RejectReason = "bad handshake" | "bad token" | "handshake timeout" | "TLS handshake failed";

/** What the client side tells the rest of the server; every call is per connection, never per event. */
export interface ClientHooks {
  joined(userId: number, remote: string): void;
  rejected(remote: string, reason: RejectReason, detail: string): void;
  /** Closed on arrival: `limit` connections were already open. */
  refused(remote: string, limit: number): void;
  slow(userId: number, remote: string, limit: number): void;
  left(userId: number, remote: string): void;
  /** A socket error, or an exception thrown while handling this client. */
  failed(remote: string, error: Error): void;
}

export class ClientCounters {
  /** Connections opened, before their handshake. */
  opened = 0;
  accepted = 0;
  badHandshakes = 0;
  badTokens = 0;
  handshakeTimeouts = 0;
  tlsFailures = 0;
  /** Closed on arrival by --max-clients. */
  refused = 0;
  slowDisconnects = 0;
  disconnects = 0;
  /** Connections that ended other than by the server cutting them off (slow, bad handshake, handshake timeout). */
  closed = 0;
}

/** One user-client connection: waiting for its handshake line, then only receiving. */
export class ClientConnection implements LineSink, ClientEntry {
  outbox: Outbox<ClientSocket> | null = null;
  userId = -1;
  readonly transport = "tcp";
  readonly since = Date.now();
  timer: ReturnType<typeof setTimeout> | undefined;
  /**
   * The server disconnected it for a reason it counted then: its close is not
   * counted again, nor is it rejected twice (a TLS failure can follow a handshake timeout).
   */
  cutOff = false;
  readonly framer: LineFramer;
  /** The handshake line has been seen (accepted or not); later input is ignored. */
  private answered = false;

  constructor(
    readonly socket: ClientSocket,
    readonly remote: string,
    maxLineBytes: number,
    private readonly gateway: ClientGateway,
  ) {
    this.framer = new LineFramer(maxLineBytes, this);
  }

  get queuedBytes(): number {
    return this.outbox?.queuedBytes ?? 0;
  }

  get notifications(): number {
    return this.outbox?.notifications ?? 0;
  }

  /** The handshake: `<userId>`, or `<userId> <token>` when the gateway checks tokens. */
  line(buf: Uint8Array, start: number, end: number): void {
    if (this.answered) return;
    this.answered = true;
    const tokens = this.gateway.tokens;
    if (tokens === null) {
      const userId = scanDecimal(buf, start, end, -1, MAX_USER_ID);
      if (userId < 0) this.gateway.reject(this, "bad handshake", `first line ${quote(buf.subarray(start, end), 40)} is not a user id`);
      else this.gateway.admit(this, userId);
      return;
    }
    const userId = scanDecimal(buf, start, end, SPACE, MAX_USER_ID);
    if (userId < 0) {
      // Only the id field is shown: the rest of the line may be a token, even a valid one.
      const idEnd = buf.subarray(start, end).indexOf(SPACE);
      this.gateway.reject(
        this,
        "bad handshake",
        `first line does not start with a user id: ${quote(buf.subarray(start, idEnd < 0 ? end : start + idEnd), 40)}`,
      );
      return;
    }
    const problem = tokens.check(userId, buf, scanEnd < end ? scanEnd + 1 : end, end);
    if (problem === null) this.gateway.admit(this, userId);
    else this.gateway.reject(this, "bad token", `${TOKEN_PROBLEMS[problem]} for user ${userId}`);
  }

  oversized(length: number): void {
    if (this.answered) return;
    this.answered = true;
    this.gateway.reject(this, "bad handshake", `first line of ${length} bytes is too long for a user id`);
  }
}

const REJECT_COUNTERS: Record<RejectReason, "badHandshakes" | "badTokens" | "handshakeTimeouts" | "tlsFailures"> = {
  "bad handshake": "badHandshakes",
  "bad token": "badTokens",
  "handshake timeout": "handshakeTimeouts",
  "TLS handshake failed": "tlsFailures",
};

const TOKEN_PROBLEMS: Record<TokenProblem, string> = {
  missing: "no token",
  malformed: `token is not ${TOKEN_HEX_DIGITS} hex digits`,
  wrong: "wrong token",
};

export interface ClientGatewayOptions {
  maxLineBytes: number;
  handshakeTimeoutMs: number;
  tls: TlsCredentials | null;
  /** When set, the handshake must carry the user's token. */
  tokens: ClientTokens | null;
  /** Open connections at most, those still in their handshake included; 0 is no limit. */
  maxClients: number;
}

/**
 * The client port: accepts user clients, reads the user id each sends as its
 * first line within the handshake timeout, and registers the connection's
 * outbox in the directory the router delivers through. A connection is
 * removed from the directory the moment it closes, so a disconnect costs
 * nothing beyond itself.
 */
export class ClientGateway {
  readonly counters = new ClientCounters();
  private readonly listener: TCPSocketListener<ClientConnection>;
  private readonly sockets = new Set<ClientSocket>();
  readonly tokens: ClientTokens | null;
  private readonly maxClients: number;
  private onFlushed: (() => void) | null = null;

  constructor(
    host: string,
    port: number,
    private readonly options: ClientGatewayOptions,
    private readonly users: UserIndex,
    private readonly clients: ClientDirectory<ClientSocket>,
    private readonly hooks: ClientHooks,
  ) {
    this.tokens = options.tokens;
    this.maxClients = options.maxClients > 0 ? options.maxClients : Infinity;
    this.listener = listen<ClientConnection>("client", host, port, options.tls, {
      open: (socket) => this.opened(socket),
      data(socket, chunk: Uint8Array) {
        // After the handshake a client only reads; anything it sends is ignored.
        if (socket.data.outbox === null) socket.data.framer.push(chunk);
      },
      drain: (socket) => {
        const outbox = socket.data.outbox;
        if (outbox !== null && !outbox.drained()) this.clients.remove(outbox);
        if (this.onFlushed !== null && this.clients.queuedBytes() === 0) this.onFlushed();
      },
      close: (socket) => this.closed(socket),
      error: (socket, error) => {
        // Only reports: after a socket error `close` follows and does the bookkeeping.
        this.hooks.failed(socket.data?.remote ?? "(unknown)", error);
      },
      // TLS only. A connection refused by --max-clients has no data to report on.
      handshake: (socket, success, authorizationError) => {
        if (!success && socket.data !== undefined) this.reject(socket.data, "TLS handshake failed", authorizationError?.message ?? "no detail");
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

  /** For ClientDirectory.flush: a connection that overflowed its bound or whose socket is gone. */
  readonly drop = (outbox: Outbox<ClientSocket>, overflowed: boolean): void => {
    this.clients.remove(outbox);
    if (!overflowed) return;
    const connection = outbox.writer.data;
    connection.cutOff = true;
    this.counters.slowDisconnects++;
    this.hooks.slow(connection.userId, connection.remote, this.clients.maxQueuedBytes);
    outbox.writer.terminate();
  };

  admit(connection: ClientConnection, userId: number): void {
    clearTimeout(connection.timer);
    connection.userId = userId;
    connection.outbox = this.clients.add(this.users.intern(userId), connection.socket);
    this.counters.accepted++;
    this.hooks.joined(userId, connection.remote);
  }

  reject(connection: ClientConnection, reason: RejectReason, detail: string): void {
    if (connection.cutOff) return;
    connection.cutOff = true;
    clearTimeout(connection.timer);
    this.counters[REJECT_COUNTERS[reason]]++;
    this.hooks.rejected(connection.remote, reason, detail);
    connection.socket.end();
  }

  /** Stops accepting new clients; connected ones stay so queued output can still reach them. */
  stopAccepting(): void {
    this.listener.stop(false);
  }

  /** Resolves once every queued byte has been taken by the sockets, or after `deadlineMs`. Returns whether all was sent. */
  flushed(deadlineMs: number): Promise<boolean> {
    if (this.clients.queuedBytes() === 0) return Promise.resolve(true);
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

  private opened(socket: ClientSocket): void {
    const remote = formatAddress(socket.remoteAddress, socket.remotePort);
    // Before anything is allocated for it: the limit is what bounds memory held by connections.
    if (this.sockets.size >= this.maxClients) {
      this.counters.refused++;
      this.hooks.refused(remote, this.maxClients);
      socket.end();
      return;
    }
    const connection = new ClientConnection(socket, remote, this.options.maxLineBytes, this);
    socket.data = connection;
    this.sockets.add(socket);
    this.counters.opened++;
    // Writes are already batched per read, so Nagle would only add latency.
    socket.setNoDelay(true);
    // A client that vanished without a FIN would otherwise hold its slot until a write fails.
    socket.setKeepAlive(true, KEEPALIVE_MS);
    connection.timer = setTimeout(() => {
      if (connection.outbox === null) this.reject(connection, "handshake timeout", `no user id within ${this.options.handshakeTimeoutMs} ms`);
    }, this.options.handshakeTimeoutMs);
  }

  private closed(socket: ClientSocket): void {
    if (!this.sockets.delete(socket)) return;
    const connection = socket.data;
    clearTimeout(connection.timer);
    if (!connection.cutOff) this.counters.closed++;
    if (connection.outbox === null) return;
    this.clients.remove(connection.outbox);
    this.counters.disconnects++;
    this.hooks.left(connection.userId, connection.remote);
  }
}
