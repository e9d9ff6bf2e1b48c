import { Bytes, copyWords, grownCapacity } from "../collections/typed-arrays.ts";
import type { ReadBatch } from "./read-batch.ts";

/** The part of a socket an outbox needs; Bun's TCP socket has exactly this `write`. */
export interface ByteWriter {
  /** Returns how many bytes were taken (possibly fewer than asked), or -1 once closed. */
  write(data: Uint8Array, byteOffset: number, byteLength: number): number;
}

/**
 * What the outboxes of one directory share: the list of those to flush, a
 * tally of the bytes their sockets took, a running total of the bytes
 * still queued (exact after every flush and drain), and the bound on each
 * one's backlog.
 */
export interface OutboxGroup {
  readonly dirty: Outbox[];
  sentBytes: number;
  queuedBytes: number;
  readonly maxQueuedBytes: number;
}

const EMPTY = Bytes.ofLength(0);
const INITIAL_BACKLOG = 4096;

/** What a socket has not taken yet: `bytes[head, tail)`, of which `counted` is in the group's total. */
interface Backlog {
  bytes: Bytes;
  head: number;
  tail: number;
  counted: number;
}

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
 *
 * There is one per connection, so what only a backlog needs lives in an
 * object of its own: twelve fields keep an outbox in JSC's 112-byte size
 * class instead of the 160-byte one (0.5 MiB at 10,000 clients).
 */
export class Outbox<W extends ByteWriter = ByteWriter> {
  private backlog: Backlog | null = null;
  /** This cycle's entries in the batch (first and last of the chain, -1 for none) and their bytes; a first entry means it is listed in the group's dirty list. */
  private first = -1;
  private last = -1;
  private ownBytes = 0;
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
    private readonly group: OutboxGroup,
  ) {}

  /** Bytes the socket has not taken yet, waiting for its drain. */
  get queuedBytes(): number {
    const backlog = this.backlog;
    return backlog === null ? 0 : backlog.tail - backlog.head;
  }

  /** Listed for the next flush: it has lines of its own this cycle. */
  get dirty(): boolean {
    return this.first >= 0;
  }

  /** The group's queued-bytes total counts this outbox's bytes as they are now. */
  get countedBytes(): number {
    return this.backlog?.counted ?? 0;
  }

  /** Queues the line stored in `batch` at `line` (`bytes` with its CRLF), after the broadcasts queued so far. */
  queue(batch: ReadBatch, line: number, bytes: number): void {
    if (this.overflowed) return;
    const entry = batch.entry(line, bytes, this.last);
    if (this.first < 0) {
      this.first = entry;
      this.group.dirty.push(this);
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
    const first = this.first;
    const bytes = batch.broadcastLength + this.ownBytes;
    this.first = this.last = -1;
    this.ownBytes = 0;
    if (this.overflowed) return false;
    this.notifications += batch.broadcasts;
    if (bytes === 0) return true;
    const backlog = this.backlog;
    if (backlog !== null) {
      const at = this.room(backlog, bytes);
      if (at < 0) return false;
      backlog.tail = first < 0 ? copyWords(batch.broadcastBytes, 0, bytes, backlog.bytes, at) : batch.gather(first, backlog.bytes, at);
      this.recount(backlog);
      return true;
    }
    let data = batch.broadcastBytes;
    if (first >= 0) {
      data = batch.scratch(bytes);
      batch.gather(first, data, 0);
    }
    const written = this.writer.write(data.array, 0, bytes);
    if (written < 0) return false;
    this.group.sentBytes += written;
    if (written === bytes) return true;
    const started: Backlog = { bytes: EMPTY, head: 0, tail: 0, counted: 0 };
    const at = this.room(started, bytes - written);
    if (at < 0) return false;
    this.backlog = started;
    started.tail = copyWords(data, written, bytes, started.bytes, at);
    this.recount(started);
    return true;
  }

  /** The socket can take more: resend the backlog. Returns false when the socket is closed. */
  drained(): boolean {
    if (this.overflowed) return false;
    const backlog = this.backlog;
    if (backlog === null) return true;
    const written = this.writer.write(backlog.bytes.array, backlog.head, backlog.tail - backlog.head);
    if (written < 0) return false;
    this.group.sentBytes += written;
    backlog.head += written;
    if (backlog.head === backlog.tail) {
      this.group.queuedBytes -= backlog.counted;
      this.backlog = null;
    } else {
      this.recount(backlog);
    }
    return true;
  }

  /** Out of its directory, or past its bound: its bytes no longer count, and nothing more may be queued or written. */
  withdraw(): void {
    this.overflowed = true;
    if (this.backlog === null) return;
    this.group.queuedBytes -= this.backlog.counted;
    this.backlog = null;
  }

  private recount(backlog: Backlog): void {
    const queued = backlog.tail - backlog.head;
    this.group.queuedBytes += queued - backlog.counted;
    backlog.counted = queued;
  }

  /** Makes room in `backlog` for `extra` more bytes and returns where they go, or -1 (overflowed) when over the bound. */
  private room(backlog: Backlog, extra: number): number {
    const queued = backlog.tail - backlog.head;
    const limit = this.group.maxQueuedBytes;
    if (queued + extra > limit) {
      this.withdraw();
      return -1;
    }
    if (backlog.tail + extra <= backlog.bytes.length) return backlog.tail;
    const capacity = Math.min(grownCapacity(backlog.bytes.length, queued + extra, INITIAL_BACKLOG), limit);
    if (capacity > backlog.bytes.length) {
      // The queued bytes move to the front as they are copied, which saves a second pass.
      const next = Bytes.ofLength(capacity);
      copyWords(backlog.bytes, backlog.head, backlog.tail, next, 0);
      backlog.bytes = next;
    } else {
      backlog.bytes.array.copyWithin(0, backlog.head, backlog.tail);
    }
    backlog.head = 0;
    backlog.tail = queued;
    return queued;
  }
}
