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
export class FanOut<T extends ClientTransport = ClientTransport> extends Router implements OrderedEvents {
  private readonly directory: ClientDirectory<T>;
  private readonly framer: LineFramer;
  private readonly lines: OrderedLines;

  constructor(private readonly options: FanOutOptions) {
    const directory = new ClientDirectory<T>(options.maxClientBuffer);
    super(new UserIndex(), new FollowerTable(), directory);
    this.directory = directory;
    this.lines = new OrderedLines(options.delimiter, this);
    this.framer = new LineFramer(options.maxLineBytes, this.lines);
  }

  skipped(_from: number, _to: number): void {}

  flush(): void {
    this.directory.flush(this.drop);
  }

  /** Feeds CRLF-terminated lines already in sequence order; they are parsed here. Call {@link flush} at the end of a cycle. */
  pushLines(chunk: Uint8Array): void {
    this.framer.push(chunk);
  }

  /** A client completed its handshake as `userId`: it receives from the next event on. */
  connect(userId: number, transport: T): Outbox<T> {
    return this.directory.add(this.users.intern(userId), transport);
  }

  /** The connection is gone; what was queued for it is discarded. Safe to call twice. */
  disconnect(outbox: Outbox<T>): void {
    this.directory.remove(outbox);
  }

  /** Its socket can take more: resend what it still owes, or drop it if the socket is gone. */
  drained(outbox: Outbox<T>): void {
    if (!outbox.drained()) this.directory.remove(outbox);
  }

  /** Lines {@link pushLines} passed on as events (not replays, not unreadable). */
  get pushedEvents(): number {
    return this.lines.passed;
  }

  /** Bytes the client sockets have taken. */
  get sentBytes(): number {
    return this.directory.sentBytes;
  }

  /** Bytes queued for clients and not yet taken by their sockets. */
  get queuedBytes(): number {
    return this.directory.queuedBytes;
  }

  /** Connections that have joined. */
  get connections(): number {
    return this.directory.connections;
  }

  /** Distinct users with at least one connection. */
  get onlineUsers(): number {
    return this.directory.users;
  }

  private readonly drop = (outbox: Outbox<T>, overflowed: boolean): void => {
    this.directory.remove(outbox);
    if (overflowed) outbox.writer.tooSlow(this.options.maxClientBuffer);
  };
}
