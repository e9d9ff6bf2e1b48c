import { CR, LF } from "../protocol/ascii.ts";

/** The part of a socket an outbox needs; Bun's TCP socket has exactly this `write`. */
export interface ByteWriter {
  /** Returns how many bytes were taken (possibly fewer than asked), or -1 once closed. */
  write(data: Uint8Array, byteOffset: number, byteLength: number): number;
}

/** What the outboxes of one directory share: the list of those to flush, and a tally of the bytes their sockets took. */
export interface OutboxGroup {
  readonly dirty: Outbox[];
  sentBytes: number;
}

const EMPTY = new Uint8Array(0);
const INITIAL_BYTES = 4096;
/** After a full flush, buffers grown past this are let go so idle clients stay cheap. */
const KEEP_BYTES = 64 * 1024;
/** Below this length a byte loop beats allocating a subarray view for `set`. */
const LOOP_COPY_BYTES = 64;

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
  /** Listed in the directory's dirty list for the next flush. */
  dirty = false;
  overflowed = false;
  /** Positions in ClientDirectory's lists, for O(1) removal; -1 when not listed. */
  allPosition = -1;
  userPosition = -1;
  /** Notifications queued here since the connection opened: one bump per append, read only by /clients. */
  notifications = 0;

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

  /** Queues `src[start, start + length)` followed by CRLF. */
  append(src: Uint8Array, start: number, length: number): void {
    if (this.overflowed) return;
    let tail = this.tail;
    if (tail + length + 2 > this.buf.length) {
      tail = this.makeRoom(length + 2);
      if (tail < 0) return;
    }
    const buf = this.buf;
    if (length < LOOP_COPY_BYTES) {
      for (let i = 0; i < length; i++) buf[tail + i] = src[start + i];
    } else {
      buf.set(src.subarray(start, start + length), tail);
    }
    tail += length;
    buf[tail] = CR;
    buf[tail + 1] = LF;
    this.tail = tail + 2;
    this.notifications++;
    this.markDirty();
  }

  /**
   * Writes what is queued, unless an earlier write is still waiting for drain.
   * Returns false when the socket is closed.
   */
  flush(): boolean {
    this.dirty = false;
    if (this.blocked || this.head === this.tail) return true;
    const written = this.writer.write(this.buf, this.head, this.tail - this.head);
    if (written < 0) return false;
    this.group.sentBytes += written;
    this.head += written;
    if (this.head < this.tail) {
      this.blocked = true;
      return true;
    }
    this.head = this.tail = 0;
    if (this.buf.length > KEEP_BYTES) this.buf = EMPTY;
    return true;
  }

  /** The socket can take more: resend the tail. Returns false when the socket is closed. */
  drained(): boolean {
    this.blocked = false;
    return this.flush();
  }

  /** Lists this outbox, once, for the flush after the current read. */
  private markDirty(): void {
    if (this.dirty) return;
    this.dirty = true;
    this.group.dirty.push(this);
  }

  /** Makes room for `extra` more bytes and returns the new tail, or -1 when over the bound. */
  private makeRoom(extra: number): number {
    const queued = this.tail - this.head;
    if (queued + extra > this.limit) {
      this.overflowed = true;
      this.head = this.tail = 0;
      this.buf = EMPTY;
      // Listed so the flush that follows this read sees the overflow and disconnects.
      this.markDirty();
      return -1;
    }
    let capacity = Math.max(this.buf.length, INITIAL_BYTES);
    while (capacity < queued + extra) capacity *= 2;
    capacity = Math.min(capacity, this.limit);
    if (capacity > this.buf.length) {
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
