import { copyBytes, grownCapacity } from "../collections/typed-arrays.ts";
import type { ReadBatch } from "./read-batch.ts";

/** The part of a socket an outbox needs; Bun's TCP socket has exactly this `write`. */
export interface ByteWriter {
  /** Returns how many bytes were taken (possibly fewer than asked), or -1 once closed. */
  write(data: Uint8Array, byteOffset: number, byteLength: number): number;
}

/**
 * What the outboxes of one directory share: the list of those to flush, a
 * tally of the bytes their sockets took, and a running total of the bytes
 * still queued (exact after every flush and drain).
 */
export interface OutboxGroup {
  readonly dirty: Outbox[];
  sentBytes: number;
  queuedBytes: number;
}

const EMPTY = new Uint8Array(0);
const INITIAL_BACKLOG = 4096;

/**
 * One client connection's share of the fan-out. During a read cycle its
 * notifications live in the cycle's {@link ReadBatch} (broadcasts once for
 * everyone, its other lines as a chain of entries there); at the flush they
 * go out with one `write`. Only what the socket does not take is copied
 * into a buffer of the connection's own, the backlog, resent on `drain`
 * and let go once it is all sent: a connection whose socket keeps up holds
 * no buffer. The backlog is bounded; the flush that would pass the bound
 * marks the outbox overflowed, so a client that stops reading costs a
 * bounded amount of memory and work before it is cut off.
 */
export class Outbox<W extends ByteWriter = ByteWriter> {
  private backlog: Uint8Array = EMPTY;
  private head = 0;
  private tail = 0;
  /** This cycle's entries in the batch (first and last of the chain, -1 for none) and their bytes. */
  private first = -1;
  private last = -1;
  private ownBytes = 0;
  /** Listed in the directory's dirty list for the next flush; only {@link flush} clears it. */
  private listed = false;
  /** This outbox's share of the group's queued-bytes total. */
  private counted = 0;
  overflowed = false;
  /** Position in ClientDirectory's list of all connections, for O(1) removal; -1 when not listed. */
  allPosition = -1;
  /** Neighbours among the same user's connections in ClientDirectory, null at either end. */
  previousOfUser: Outbox<W> | null = null;
  nextOfUser: Outbox<W> | null = null;
  /** Notifications queued here since the connection opened, read only by /clients: its own lines as queued, broadcasts as flushed. */
  notifications = 0;

  constructor(
    /** Dense user index (UserIndex) this connection receives for. */
    readonly user: number,
    /** The connection's socket, or whatever stands in for it. */
    readonly writer: W,
    private readonly limit: number,
    private readonly group: OutboxGroup,
  ) {}

  /** Bytes the socket has not taken yet, waiting for its drain. */
  get queuedBytes(): number {
    return this.tail - this.head;
  }

  get dirty(): boolean {
    return this.listed;
  }

  /** The group's queued-bytes total counts this outbox's bytes as they are now. */
  get countedBytes(): number {
    return this.counted;
  }

  /** Queues the line stored in `batch` at `line` (`bytes` with its CRLF), after the broadcasts queued so far. */
  queue(batch: ReadBatch, line: number, bytes: number): void {
    if (this.overflowed) return;
    const entry = batch.entry(line, bytes, this.last);
    if (this.first < 0) {
      this.first = entry;
      this.markDirty();
    }
    this.last = entry;
    this.ownBytes += bytes;
    this.notifications++;
  }

  /**
   * Sends this cycle's share of `batch` with one write (behind the backlog,
   * if there is one, without writing). Returns false when the socket is
   * closed or the backlog would pass its bound.
   */
  flush(batch: ReadBatch): boolean {
    this.listed = false;
    const first = this.first;
    const bytes = batch.broadcastLength + this.ownBytes;
    this.first = this.last = -1;
    this.ownBytes = 0;
    if (this.overflowed) return false;
    this.notifications += batch.broadcasts;
    if (bytes === 0) return true;
    if (this.tail > this.head) {
      const at = this.room(bytes);
      if (at < 0) return false;
      this.tail = first < 0 ? copyBytes(batch.broadcastBytes, 0, bytes, this.backlog, at) : batch.gather(first, this.backlog, at);
      this.recount();
      return true;
    }
    let data = batch.broadcastBytes;
    if (first >= 0) {
      data = batch.scratch(bytes);
      batch.gather(first, data, 0);
    }
    const written = this.writer.write(data, 0, bytes);
    if (written < 0) return false;
    this.group.sentBytes += written;
    if (written === bytes) return true;
    const at = this.room(bytes - written);
    if (at < 0) return false;
    this.tail = copyBytes(data, written, bytes, this.backlog, at);
    this.recount();
    return true;
  }

  /** The socket can take more: resend the backlog. Returns false when the socket is closed. */
  drained(): boolean {
    if (this.overflowed) return false;
    if (this.tail === this.head) return true;
    const written = this.writer.write(this.backlog, this.head, this.tail - this.head);
    if (written < 0) return false;
    this.group.sentBytes += written;
    this.head += written;
    if (this.head === this.tail) {
      this.backlog = EMPTY;
      this.head = this.tail = 0;
    }
    this.recount();
    return true;
  }

  /** Out of its directory: its bytes no longer count, and nothing more may be queued or written. */
  withdraw(): void {
    this.group.queuedBytes -= this.counted;
    this.counted = 0;
    this.overflowed = true;
    this.backlog = EMPTY;
    this.head = this.tail = 0;
  }

  private recount(): void {
    const queued = this.tail - this.head;
    this.group.queuedBytes += queued - this.counted;
    this.counted = queued;
  }

  /** Lists this outbox, once, for the flush after the current read. */
  private markDirty(): void {
    if (this.listed) return;
    this.listed = true;
    this.group.dirty.push(this);
  }

  /** Makes room for `extra` more backlog bytes and returns where they go, or -1 (overflowed) when over the bound. */
  private room(extra: number): number {
    const queued = this.tail - this.head;
    if (queued + extra > this.limit) {
      this.overflowed = true;
      this.backlog = EMPTY;
      this.head = this.tail = 0;
      this.recount();
      return -1;
    }
    if (this.tail + extra <= this.backlog.length) return this.tail;
    const capacity = Math.min(grownCapacity(this.backlog.length, queued + extra, INITIAL_BACKLOG), this.limit);
    if (capacity > this.backlog.length) {
      // The queued bytes move to the front as they are copied, which saves a second pass.
      const next = new Uint8Array(capacity);
      copyBytes(this.backlog, this.head, this.tail, next, 0);
      this.backlog = next;
    } else {
      this.backlog.copyWithin(0, this.head, this.tail);
    }
    this.head = 0;
    this.tail = queued;
    return queued;
  }
}
