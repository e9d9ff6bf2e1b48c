import { fullGC } from "bun:jsc";
import type { Socket, TCPSocketListener } from "bun";
import type { SourceSecret } from "../auth/source-secret.ts";
import { LineFramer, type LineSink } from "../protocol/line-framer.ts";
import type { SourceEntry } from "../status/connections.ts";
import { Handshake, type Stage, type Timers } from "./handshake.ts";
import { formatAddress, listen, type TlsCredentials } from "./listen.ts";
import { READ_GARBAGE, ReadGarbage } from "./read-garbage.ts";

/** The sequencer as the event port sees it: the sink of every source's lines, and one read cycle per read. */
export interface SourcePipeline extends LineSink {
  /** Frames `chunk` with `framer` (whose lines come back to this sink) and ends the cycle; returns whether reading should pause. */
  read(framer: LineFramer, chunk: Uint8Array): boolean;
  /** Lines counted so far, over all sources: the difference across a read is that source's. */
  readonly counters: { readonly lines: number };
}

/** What the event-source side tells the rest of the server: logging only; the counters are its own. */
export interface EventSourceHooks {
  /** A source may now send events: at once, or once it has authenticated. */
  opened(remote: string): void;
  /** An opened source went; `droppedBytes` of an unterminated last line were thrown away. */
  closed(remote: string, droppedBytes: number): void;
  /** A connection closed before it could send events, by us or by itself; none of its lines reached the sink. */
  rejected(remote: string, reason: SourceRejectReason, detail: string): void;
  /** The reorder buffer filled: every source is paused after its next read. */
  paused(): void;
  /** The buffer has room again: every source reads again. */
  resumed(): void;
  /** A socket error, or an exception thrown while handling this source's data. */
  failed(remote: string, error: Error): void;
}

export type SourceRejectReason = "not authenticated" | "TLS handshake failed";

/** The event port's own counters. */
export class SourceCounters {
  /** Closed for not authenticating (no AUTH line, a wrong one, none in time, or gone first). */
  rejected = 0;
  tlsFailures = 0;
  /** Sources that went in the middle of a line. */
  truncated = 0;
}

export interface EventSourceOptions {
  host: string;
  port: number;
  maxLineBytes: number;
  tls: TlsCredentials | null;
  /** When set, a source's first line must be `AUTH <secret>`. */
  secret: SourceSecret | null;
  /** Time a source has to get through the TLS handshake and send AUTH, when either is asked of it. */
  handshakeTimeoutMs: number;
  timers: Timers;
}

/**
 * One event-source connection. Its framer feeds the sink directly, except
 * while the source still owes its AUTH line: then the connection itself is
 * the framer's sink, checks the first line and redirects the framer to the
 * real sink, so the lines of an authenticated source cost nothing extra.
 */
class SourceConnection implements LineSink, SourceEntry {
  readonly framer: LineFramer;
  readonly handshake: Handshake;
  readonly since = Date.now();
  lines = 0;
  bytes = 0;

  constructor(
    readonly socket: Socket<SourceConnection>,
    readonly remote: string,
    options: EventSourceOptions,
    private readonly sources: EventSources,
    private readonly sink: LineSink,
  ) {
    const secret = options.secret;
    this.framer = new LineFramer(options.maxLineBytes, secret === null ? sink : this);
    this.handshake = new Handshake(options.tls !== null, secret !== null, options.timers, options.handshakeTimeoutMs, (stage) =>
      sources.timedOut(this, stage, options.handshakeTimeoutMs),
    );
  }

  get state(): string {
    return SHOWN_STAGES[this.handshake.stage];
  }

  line(buf: Uint8Array, start: number, end: number): void {
    const stage = this.handshake.stage;
    if (stage === "open") {
      // The rest of the read that carried the AUTH line.
      this.sink.line(buf, start, end);
    } else if (stage === "first line") {
      if (this.sources.secret?.accepts(buf, start, end)) {
        this.framer.redirect(this.sink);
        this.sources.accept(this);
      } else {
        this.sources.reject(this, "first line is not AUTH with the source secret");
      }
    }
  }

  oversized(length: number): void {
    const stage = this.handshake.stage;
    if (stage === "open") this.sink.oversized(length);
    else if (stage === "first line") this.sources.reject(this, `first line of ${length} bytes is not AUTH with the source secret`);
  }
}

/** How /sources names each stage. */
const SHOWN_STAGES: Record<Stage, string> = { tls: "tls handshake", "first line": "awaiting auth", open: "open", closed: "closed" };

/** A failure at each stage of the way in, as a reason: chosen by stage, never by comparing text. */
const REASON_AT: Record<"tls" | "first line", SourceRejectReason> = { tls: "TLS handshake failed", "first line": "not authenticated" };

/**
 * The event port: any number of event sources, at once or one after another,
 * all feeding one pipeline. Reads are parsed in place, straight from the
 * buffer Bun hands over, one read cycle each. It owns the back-pressure
 * policy ({@link flow}): while the reorder buffer is full, each source is
 * paused after its next read, which pushes back on it through TCP. Pausing
 * per source rather than all at once lets a source that was idle, or that
 * connects during the pause, still deliver the sequence number everyone is
 * waiting for; held events stay bounded by one read per source.
 */
export class EventSources {
  readonly counters = new SourceCounters();
  readonly secret: SourceSecret | null;
  private readonly listener: TCPSocketListener<SourceConnection>;
  private readonly sockets = new Set<Socket<SourceConnection>>();
  /** Sources past TLS and AUTH, which may send events. */
  private accepted = 0;
  private paused = false;
  private readonly garbage = new ReadGarbage(READ_GARBAGE, fullGC, () => performance.now());

  constructor(
    options: EventSourceOptions,
    pipeline: SourcePipeline,
    private readonly hooks: EventSourceHooks,
  ) {
    this.secret = options.secret;
    const sockets = this.sockets;
    this.listener = listen<SourceConnection>("event", options.host, options.port, options.tls, {
      open: (socket) => {
        const remote = formatAddress(socket.remoteAddress, socket.remotePort);
        const connection = new SourceConnection(socket, remote, options, this, pipeline);
        socket.data = connection;
        sockets.add(socket);
        if (connection.handshake.stage === "open") this.opened(connection);
      },
      // TLS only.
      handshake: (socket, success, authorizationError) => {
        const connection = socket.data;
        if (connection === undefined || connection.handshake.stage !== "tls") return;
        if (!success) this.reject(connection, authorizationError?.message ?? "no detail");
        else if (connection.handshake.secured()) this.opened(connection);
      },
      data: (socket, chunk: Uint8Array) => {
        const connection = socket.data;
        const cycleStart = performance.now();
        const linesBefore = pipeline.counters.lines;
        this.flow(pipeline.read(connection.framer, chunk));
        connection.lines += pipeline.counters.lines - linesBefore;
        connection.bytes += chunk.length;
        this.garbage.read(chunk.length, performance.now() - cycleStart);
        if (this.paused) socket.pause();
      },
      close: (socket) => {
        if (!sockets.delete(socket)) return;
        const connection = socket.data;
        const stage = connection.handshake.close();
        if (stage === "open") {
          this.accepted--;
          const dropped = connection.framer.reset();
          if (dropped > 0) this.counters.truncated++;
          hooks.closed(connection.remote, dropped);
        } else if (stage !== "closed") {
          this.rejected(connection, stage, stage === "tls" ? "disconnected during the TLS handshake" : "disconnected before sending AUTH");
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

  /**
   * The back-pressure policy, after every cycle (a read or a gap skip):
   * full pauses every source after its next read; room again resumes them all.
   */
  flow(full: boolean): void {
    if (full) {
      if (this.paused) return;
      this.paused = true;
      this.hooks.paused();
    } else if (this.paused) {
      this.paused = false;
      this.hooks.resumed();
      for (const socket of this.sockets) socket.resume();
    }
  }

  accept(connection: SourceConnection): void {
    connection.handshake.open();
    this.opened(connection);
  }

  /** Turns a connection away at the stage it has reached, which says what is counted. */
  reject(connection: SourceConnection, detail: string): void {
    const stage = connection.handshake.close();
    if (stage === "closed" || stage === "open") return;
    this.rejected(connection, stage, detail);
    connection.socket.end();
  }

  timedOut(connection: SourceConnection, stage: Stage, timeoutMs: number): void {
    this.reject(connection, stage === "tls" ? `not through the TLS handshake within ${timeoutMs} ms` : `no AUTH line within ${timeoutMs} ms`);
  }

  /** Stops accepting and disconnects every source; lines already read have been processed. */
  close(): void {
    this.listener.stop(true);
  }

  private opened(connection: SourceConnection): void {
    this.accepted++;
    this.hooks.opened(connection.remote);
  }

  private rejected(connection: SourceConnection, stage: "tls" | "first line", detail: string): void {
    if (stage === "tls") this.counters.tlsFailures++;
    else this.counters.rejected++;
    this.hooks.rejected(connection.remote, REASON_AT[stage], detail);
  }
}
