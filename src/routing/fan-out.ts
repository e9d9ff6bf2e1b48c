import { FollowerTable } from "../graph/follower-table.ts";
import { UserIndex } from "../graph/user-index.ts";
import type { OrderedEvents } from "../pipeline/ordered-events.ts";
import { LineFramer } from "../protocol/line-framer.ts";
import { ClientDirectory } from "./client-directory.ts";
import { OrderedLines } from "./ordered-lines.ts";
import type { ByteWriter, Outbox } from "./outbox.ts";
import { Router } from "./router.ts";

/** What a connected client's connection must do for the fan-out, whatever carries it (TCP today). */
export interface ClientTransport extends ByteWriter {
  /** It queued more than `limit` bytes without taking them: it is already out of the fan-out; end the connection. */
  tooSlow(limit: number): void;
}

export interface FanOutOptions {
  /** Bytes a client may have queued before it is cut off (--max-client-buffer). */
  maxClientBuffer: number;
  /** Field separator, for {@link FanOut.pushLines}. */
  delimiter: number;
  /** Longest line {@link FanOut.pushLines} accepts. */
  maxLineBytes: number;
}

/**
 * The second stage: ordered events in, client writes out. Applies each event
 * to the follower graph, queues its line in the outbox of every connection
 * that must see it, and on {@link flush} writes each touched outbox once.
 * It takes events from the sequencer (as {@link OrderedEvents}) or as raw
 * ordered lines from any buffer ({@link pushLines}); connections join and
 * leave by user id.
 */
export class FanOut<T extends ClientTransport = ClientTransport> implements OrderedEvents {
  private readonly users = new UserIndex();
  private readonly clients: ClientDirectory<T>;
  private readonly router: Router;
  private readonly framer: LineFramer;

  constructor(private readonly options: FanOutOptions) {
    this.clients = new ClientDirectory<T>(options.maxClientBuffer);
    this.router = new Router(this.users, new FollowerTable(), this.clients);
    this.framer = new LineFramer(options.maxLineBytes, new OrderedLines(options.delimiter, this));
  }

  event(_seq: number, kind: number, from: number, to: number, line: Uint8Array, start: number, length: number): void {
    this.router.route(kind, from, to, line, start, length);
  }

  skipped(): void {}

  flush(): void {
    this.clients.flush(this.drop);
  }

  /** Feeds CRLF-terminated lines already in sequence order; they are parsed here. Call {@link flush} at the end of a cycle. */
  pushLines(chunk: Uint8Array): void {
    this.framer.push(chunk);
  }

  /** A client completed its handshake as `userId`: it receives from the next event on. */
  connect(userId: number, transport: T): Outbox<T> {
    return this.clients.add(this.users.intern(userId), transport);
  }

  /** The connection is gone; what was queued for it is discarded. Safe to call twice. */
  disconnect(outbox: Outbox<T>): void {
    this.clients.remove(outbox);
  }

  /** Its socket can take more: resend what it still owes, or drop it if the socket is gone. */
  drained(outbox: Outbox<T>): void {
    if (!outbox.drained()) this.clients.remove(outbox);
  }

  /** Notifications queued, one per receiving connection per event. */
  get notifications(): number {
    return this.router.notifications;
  }

  /** Bytes the client sockets have taken. */
  get sentBytes(): number {
    return this.clients.sentBytes;
  }

  /** Bytes queued for clients and not yet taken by their sockets. */
  get queuedBytes(): number {
    return this.clients.queuedBytes;
  }

  /** Connections that have joined. */
  get connections(): number {
    return this.clients.connections;
  }

  /** Distinct users with at least one connection. */
  get onlineUsers(): number {
    return this.clients.users;
  }

  private readonly drop = (outbox: Outbox<T>, overflowed: boolean): void => {
    this.clients.remove(outbox);
    if (overflowed) outbox.writer.tooSlow(this.options.maxClientBuffer);
  };
}
