import { grownCapacity } from "../collections/typed-arrays.ts";
import { CR, LF } from "../protocol/ascii.ts";

/** The part of a socket an outbox needs; Bun's TCP socket has exactly this `write`. */
export interface ByteWriter {
  /** Returns how many bytes were taken (possibly fewer than asked), or -1 once closed. */
  write(data: Uint8Array, byteOffset: number, byteLength: number): number;
}

/**
 * What the outboxes of one directory share: the list of those to flush, a
 * tally of the bytes their sockets took, and a running total of the bytes
 * still queued (exact after every flush; appends are counted when flushed,
 * so the per-notification path stays a copy).
 */
export interface OutboxGroup {
  readonly dirty: Outbox[];
  sentBytes: number;
  queuedBytes: number;
}

const EMPTY = new Uint8Array(0);
const INITIAL_BYTES = 4096;
/** After a full flush, buffers grown past this are let go so idle clients stay cheap. */
const KEEP_BYTES = 64 * 1024;
/** Below this length a byte loop beats allocating a subarray view for `set`. */
export const LOOP_COPY_BYTES = 64;

/**
 * One client connection's queued notifications: appended during a read of the
 * event stream, written with one `write` per read, with the unsent tail kept
 * for `drain`. The queue is bounded; the append that would pass the bound
 * marks the outbox overflowed and drops everything after it, so a client that
 * stops reading costs a bounded amount of memory and work before it is cut off.
 */
export class Outbox<W extends ByteWriter = ByteWriter> {
  private buf: Uint8Array = EMPTY;
  private head = 0;
  private tail = 0;
  /** Waiting for the socket's drain before writing again. */
  private blocked = false;
  /** Listed in the directory's dirty list for the next flush; only {@link flush} clears it. */
  private listed = false;
  /** This outbox's share of the group's queued-bytes total. */
  private counted = 0;
  overflowed = false;
  /** Positions in ClientDirectory's lists, for O(1) removal; -1 when not listed. */
  allPosition = -1;
  userPosition = -1;

  constructor(
    /** Dense user index (UserIndex) this connection receives for. */
    readonly user: number,
    /** The connection's socket, or whatever stands in for it. */
    readonly writer: W,
    private readonly limit: number,
    private readonly group: OutboxGroup,
  ) {}

  /** Bytes queued but not yet taken by the socket. */
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

  /**
   * Queues `src[start, start + length)` followed by CRLF, copied byte by byte:
   * for lines under {@link LOOP_COPY_BYTES}; longer ones go through
   * {@link appendView} with one view shared by every recipient.
   */
  append(src: Uint8Array, start: number, length: number): void {
    if (this.overflowed) return;
    let tail = this.tail;
    if (tail + length + 2 > this.buf.length) {
      tail = this.makeRoom(length + 2);
      if (tail < 0) return;
    }
    const buf = this.buf;
    for (let i = 0; i < length; i++) buf[tail + i] = src[start + i];
    this.terminate(tail + length);
  }

  /** Queues all of `line` followed by CRLF. */
  appendView(line: Uint8Array): void {
    if (this.overflowed) return;
    const length = line.length;
    let tail = this.tail;
    if (tail + length + 2 > this.buf.length) {
      tail = this.makeRoom(length + 2);
      if (tail < 0) return;
    }
    this.buf.set(line, tail);
    this.terminate(tail + length);
  }

  /**
   * Writes what is queued, unless an earlier write is still waiting for drain.
   * Returns false when the socket is closed.
   */
  flush(): boolean {
    this.listed = false;
    if (this.overflowed) return false;
    if (this.blocked || this.head === this.tail) {
      this.recount();
      return true;
    }
    const written = this.writer.write(this.buf, this.head, this.tail - this.head);
    if (written < 0) return false;
    this.group.sentBytes += written;
    this.head += written;
    if (this.head < this.tail) {
      this.blocked = true;
    } else {
      this.head = this.tail = 0;
      if (this.buf.length > KEEP_BYTES) this.buf = EMPTY;
    }
    this.recount();
    return true;
  }

  /** Out of its directory: its bytes no longer count, and nothing more may be queued or written. */
  withdraw(): void {
    this.group.queuedBytes -= this.counted;
    this.counted = 0;
    this.overflowed = true;
  }

  /** The socket can take more: resend the tail. Returns false when the socket is closed. */
  drained(): boolean {
    this.blocked = false;
    return this.flush();
  }

  private terminate(end: number): void {
    const buf = this.buf;
    buf[end] = CR;
    buf[end + 1] = LF;
    this.tail = end + 2;
    this.markDirty();
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

  /** Makes room for `extra` more bytes and returns the new tail, or -1 when over the bound. */
  private makeRoom(extra: number): number {
    const queued = this.tail - this.head;
    if (queued + extra > this.limit) {
      this.overflowed = true;
      this.head = this.tail = 0;
      this.buf = EMPTY;
      this.recount();
      // Listed so the flush that follows this read sees the overflow and disconnects.
      this.markDirty();
      return -1;
    }
    const capacity = Math.min(grownCapacity(this.buf.length, queued + extra, INITIAL_BYTES), this.limit);
    if (capacity > this.buf.length) {
      // Not resized(): the queued bytes move to the front as they are copied, which saves a second pass.
      const next = new Uint8Array(capacity);
      next.set(this.buf.subarray(this.head, this.tail));
      this.buf = next;
    } else {
      this.buf.copyWithin(0, this.head, this.tail);
    }
    this.head = 0;
    this.tail = queued;
    return queued;
  }
}
