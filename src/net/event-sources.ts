import type { Socket, TCPSocketListener } from "bun";
import { LineFramer, type LineSink } from "../protocol/line-framer.ts";
import { formatAddress, listen } from "./listen.ts";

/** What the event-source side tells the rest of the server. */
export interface EventSourceHooks {
  /** Before every read is handed to the sink. */
  beforeRead(): void;
  /** After every read, once its lines have all been handed to the sink. */
  afterRead(): void;
  opened(remote: string): void;
  /** `droppedBytes` of an unterminated last line were thrown away. */
  closed(remote: string, droppedBytes: number): void;
  /** A socket error, or an exception thrown while handling this source's data. */
  failed(remote: string, error: Error): void;
}

class SourceConnection {
  readonly framer: LineFramer;
  constructor(
    readonly remote: string,
    maxLineBytes: number,
    sink: LineSink,
  ) {
    this.framer = new LineFramer(maxLineBytes, sink);
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
  private paused = false;

  constructor(host: string, port: number, maxLineBytes: number, sink: LineSink, hooks: EventSourceHooks) {
    const sockets = this.sockets;
    this.listener = listen<SourceConnection>("event", host, port, {
      open: (socket) => {
        const remote = formatAddress(socket.remoteAddress, socket.remotePort);
        socket.data = new SourceConnection(remote, maxLineBytes, sink);
        sockets.add(socket);
        hooks.opened(remote);
      },
      data: (socket, chunk: Uint8Array) => {
        hooks.beforeRead();
        socket.data.framer.push(chunk);
        hooks.afterRead();
        if (this.paused) socket.pause();
      },
      close(socket) {
        if (!sockets.delete(socket)) return;
        hooks.closed(socket.data.remote, socket.data.framer.reset());
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

  /** Connected event sources. */
  get connected(): number {
    return this.sockets.size;
  }

  get isPaused(): boolean {
    return this.paused;
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
