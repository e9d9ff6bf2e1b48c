import type { Socket, TCPSocketListener } from "bun";
import type { SourceSecret } from "../auth/source-secret.ts";
import { LineFramer, type LineSink } from "../protocol/line-framer.ts";
import type { SourceEntry } from "../status/connections.ts";
import { formatAddress, listen, type TlsCredentials } from "./listen.ts";

/** What the event-source side tells the rest of the server. */
export interface EventSourceHooks {
  /** Before every read is handed to the sink. */
  beforeRead(): void;
  /** After every read, once its lines have all been handed to the sink. */
  afterRead(): void;
  /** Lines the sink has counted so far, over all sources: the difference across a read is that source's. */
  linesRead(): number;
  /** A source may now send events: at once, or once it has authenticated. */
  opened(remote: string): void;
  /** An opened source went; `droppedBytes` of an unterminated last line were thrown away. */
  closed(remote: string, droppedBytes: number): void;
  /** A connection closed before it could send events, by us or by itself; none of its lines reached the sink. */
  rejected(remote: string, reason: SourceRejectReason, detail: string): void;
  /** A socket error, or an exception thrown while handling this source's data. */
  failed(remote: string, error: Error): void;
}

export type SourceRejectReason = "not authenticated" | "TLS handshake failed";

export interface EventSourceOptions {
  host: string;
  port: number;
  maxLineBytes: number;
  tls: TlsCredentials | null;
  /** When set, a source's first line must be `AUTH <secret>`. */
  secret: SourceSecret | null;
  /** Time a source has to get through the TLS handshake and send AUTH, when either is asked of it. */
  handshakeTimeoutMs: number;
}

type SourceState = "tls handshake" | "awaiting auth" | "open" | "rejected";

/**
 * One event-source connection. Its framer feeds the sink directly, except
 * while the source still owes its AUTH line: then the connection itself is
 * the framer's sink, checks the first line and redirects the framer to the
 * real sink, so the lines of an authenticated source cost nothing extra.
 */
class SourceConnection implements LineSink, SourceEntry {
  readonly framer: LineFramer;
  state: SourceState;
  readonly since = Date.now();
  lines = 0;
  bytes = 0;
  timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly socket: Socket<SourceConnection>,
    readonly remote: string,
    maxLineBytes: number,
    private readonly sources: EventSources,
    private readonly sink: LineSink,
    private readonly secret: SourceSecret | null,
    tls: boolean,
  ) {
    this.state = tls ? "tls handshake" : secret === null ? "open" : "awaiting auth";
    this.framer = new LineFramer(maxLineBytes, secret === null ? sink : this);
  }

  /** After the TLS handshake (if any): open now, or once the AUTH line comes. */
  secured(): void {
    if (this.secret === null) this.sources.accept(this);
    else this.state = "awaiting auth";
  }

  line(buf: Uint8Array, start: number, end: number): void {
    if (this.state === "open") {
      // The rest of the read that carried the AUTH line.
      this.sink.line(buf, start, end);
    } else if (this.state === "awaiting auth") {
      if ((this.secret as SourceSecret).accepts(buf, start, end)) {
        this.framer.redirect(this.sink);
        this.sources.accept(this);
      } else {
        this.sources.reject(this, "not authenticated", "first line is not AUTH with the source secret");
      }
    }
  }

  oversized(length: number): void {
    if (this.state === "open") this.sink.oversized(length);
    else if (this.state === "awaiting auth") this.sources.reject(this, "not authenticated", `first line of ${length} bytes is not AUTH with the source secret`);
  }
}

/**
 * The event port: any number of event sources, at once or one after another,
 * all feeding one line sink. Reads are parsed in place, straight from the
 * buffer Bun hands over. While the reorder buffer is full, each source is
 * paused after its next read, which pushes back on it through TCP. Pausing
 * per source rather than all at once lets a source that was idle, or that
 * connects during the pause, still deliver the sequence number everyone is
 * waiting for; held events stay bounded by one read per source.
 */
export class EventSources {
  private readonly listener: TCPSocketListener<SourceConnection>;
  private readonly sockets = new Set<Socket<SourceConnection>>();
  /** Sources past TLS and AUTH, which may send events. */
  private accepted = 0;
  private paused = false;

  constructor(
    options: EventSourceOptions,
    sink: LineSink,
    private readonly hooks: EventSourceHooks,
  ) {
    const sockets = this.sockets;
    this.listener = listen<SourceConnection>("event", options.host, options.port, options.tls, {
      open: (socket) => {
        const remote = formatAddress(socket.remoteAddress, socket.remotePort);
        const connection = new SourceConnection(socket, remote, options.maxLineBytes, this, sink, options.secret, options.tls !== null);
        socket.data = connection;
        sockets.add(socket);
        if (connection.state === "open") this.accept(connection);
        else connection.timer = setTimeout(() => this.timedOut(connection, options.handshakeTimeoutMs), options.handshakeTimeoutMs);
      },
      // TLS only.
      handshake: (socket, success, authorizationError) => {
        const connection = socket.data;
        if (connection.state !== "tls handshake") return;
        if (success) connection.secured();
        else this.reject(connection, "TLS handshake failed", authorizationError?.message ?? "no detail");
      },
      data: (socket, chunk: Uint8Array) => {
        const connection = socket.data;
        const linesBefore = hooks.linesRead();
        hooks.beforeRead();
        connection.framer.push(chunk);
        hooks.afterRead();
        connection.lines += hooks.linesRead() - linesBefore;
        connection.bytes += chunk.length;
        if (this.paused) socket.pause();
      },
      close: (socket) => {
        if (!sockets.delete(socket)) return;
        const connection = socket.data;
        clearTimeout(connection.timer);
        if (connection.state === "open") {
          this.accepted--;
          hooks.closed(connection.remote, connection.framer.reset());
        } else if (connection.state === "awaiting auth") {
          hooks.rejected(connection.remote, "not authenticated", "disconnected before sending AUTH");
        } else if (connection.state === "tls handshake") {
          hooks.rejected(connection.remote, "TLS handshake failed", "disconnected during the TLS handshake");
        }
      },
      error(socket, error) {
        // Only reports: after a socket error `close` follows and does the bookkeeping.
        hooks.failed(socket.data?.remote ?? "(unknown)", error);
      },
    });
  }

  get port(): number {
    return this.listener.port;
  }

  /** Event sources that may send events (authenticated, when a secret is set). */
  get connected(): number {
    return this.accepted;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Connections, those still authenticating included. */
  get count(): number {
    return this.sockets.size;
  }

  /** Every connection, oldest first (a Set keeps insertion order), those still authenticating included. */
  *connections(): IterableIterator<SourceEntry> {
    for (const socket of this.sockets) yield socket.data;
  }

  accept(connection: SourceConnection): void {
    clearTimeout(connection.timer);
    connection.state = "open";
    this.accepted++;
    this.hooks.opened(connection.remote);
  }

  reject(connection: SourceConnection, reason: SourceRejectReason, detail: string): void {
    clearTimeout(connection.timer);
    connection.state = "rejected";
    this.hooks.rejected(connection.remote, reason, detail);
    connection.socket.end();
  }

  private timedOut(connection: SourceConnection, timeoutMs: number): void {
    if (connection.state === "tls handshake") this.reject(connection, "TLS handshake failed", `not through the TLS handshake within ${timeoutMs} ms`);
    else this.reject(connection, "not authenticated", `no AUTH line within ${timeoutMs} ms`);
  }

  /** Called from a read: that source, and each other one after its next read, stops until {@link resume}. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    for (const socket of this.sockets) socket.resume();
  }

  /** Stops accepting and disconnects every source; lines already read have been processed. */
  close(): void {
    this.listener.stop(true);
  }
}
