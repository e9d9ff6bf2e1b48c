import type { ByteWriter } from "../routing/outbox.ts";
import type { EventWindow } from "./event-window.ts";
import type { SenderNeeds } from "./window-writer.ts";

/** Bytes handed to one write: large enough to fill a socket buffer, small enough to stamp batches promptly. */
const WRITE_BYTES = 256 * 1024;

/**
 * Writes the window's batches to an event-source connection, in the order
 * they were added, either as fast as the connection takes them or paced to a
 * fixed rate of events per second, and stamps each event with the time of
 * the write that handed over the first byte of its batch (a server may
 * deliver the start of a batch that a partial write cut in two before the
 * rest goes out), which is what latencies are measured from. Knows
 * nothing about sockets beyond `write`: the caller pumps it on drain, when
 * batches are added and when `nextDueMs` comes.
 */
export class EventSender implements SenderNeeds {
  /** Absolute byte position written up to. */
  private offset = 0;
  /** Batches added, batches whose first byte has been written, and batches written whole. */
  private added = 0;
  private stamped = 0;
  private completed = 0;
  /** Batches released to be written: all of them once started unpaced. */
  private released = 1;
  /** The last event of the last batch written whole. */
  private sentThrough = 0;
  private ended = false;
  /** The clock when the stream after the barrier was let go; NaN before. */
  private startedAt = Number.NaN;
  /** By batch & mask, for batches not yet written whole. */
  private readonly batchFirst: Int32Array;
  private readonly batchLast: Int32Array;
  private readonly batchStart: Float64Array;
  private readonly batchEnd: Float64Array;
  private readonly mask: number;

  constructor(
    private readonly window: EventWindow,
    /** Events per second, 0 for as fast as possible. */
    private readonly rate: number,
    /** Batches it holds at most (a power of two): see WindowSizes.batches. */
    size: number,
  ) {
    this.mask = size - 1;
    this.batchFirst = new Int32Array(size);
    this.batchLast = new Int32Array(size);
    this.batchStart = new Float64Array(size);
    this.batchEnd = new Float64Array(size);
  }

  /** It holds as many batches as it can: the next must wait for a write. */
  get full(): boolean {
    return this.added - this.completed > this.mask;
  }

  /** Queues events first … last, whose bytes are [start, end) of the window's stream; only when not full. */
  add(first: number, last: number, start: number, end: number): void {
    const at = this.added++ & this.mask;
    this.batchFirst[at] = first;
    this.batchLast[at] = last;
    this.batchStart[at] = start;
    this.batchEnd[at] = end;
  }

  /** No batch will be added after this. */
  end(): void {
    this.ended = true;
  }

  get finished(): boolean {
    return this.ended && this.completed === this.added;
  }

  /** The last event of the last batch written whole. */
  get eventsSent(): number {
    return this.sentThrough;
  }

  get neededSeq(): number {
    if (this.stamped < this.added) return this.batchFirst[this.stamped & this.mask] as number;
    return this.added === 0 ? 1 : (this.batchLast[(this.added - 1) & this.mask] as number) + 1;
  }

  get neededByte(): number {
    return this.offset;
  }

  /** Lets the rest of the stream go, timed from `now`; until then only batch 0, the barrier broadcast, is sent. */
  start(now: number): void {
    this.startedAt = now;
    if (this.rate === 0) this.released = Number.POSITIVE_INFINITY;
  }

  /** When the next paced batch is due (on the `now` clock pump is given), or NaN when none added waits for the clock. */
  get nextDueMs(): number {
    if (this.rate === 0 || Number.isNaN(this.startedAt) || this.released >= this.added) return Number.NaN;
    return this.startedAt + this.dueAfterMs(this.released);
  }

  /** Writes what is due and `writer` takes; false once the connection has closed. */
  pump(writer: ByteWriter, now: number): boolean {
    if (this.rate > 0 && !Number.isNaN(this.startedAt)) {
      while (this.released < this.added && this.dueAfterMs(this.released) <= now - this.startedAt) this.released++;
    }
    const upto = Math.min(this.released, this.added);
    if (upto === 0) return true;
    const limit = this.batchEnd[(upto - 1) & this.mask] as number;
    const { bytes } = this.window.buffers;
    while (this.offset < limit) {
      const at = this.offset & this.window.byteMask;
      const length = Math.min(limit - this.offset, WRITE_BYTES, bytes.length - at);
      // Stamped before the write, not after: the server can read, route and
      // deliver these bytes, and a client thread verify them, before `write`
      // returns (on two cores the server takes this one mid-call), and a line
      // verified with no stamp yet would count as no latency at all.
      let offered = this.stamped;
      while (offered < this.added && (this.batchStart[offered & this.mask] as number) < this.offset + length) this.stamp(offered++, now);
      const written = writer.write(bytes, at, length);
      if (written > 0) this.offset += written;
      while (this.stamped < offered && (this.batchStart[this.stamped & this.mask] as number) < this.offset) this.stamped++;
      // What the write did not reach is not sent, and has no stamp until it is.
      for (let b = this.stamped; b < offered; b++) this.stamp(b, Number.NaN);
      if (written < 0) return false;
      while (this.completed < this.added && (this.batchEnd[this.completed & this.mask] as number) <= this.offset) {
        this.sentThrough = this.batchLast[this.completed++ & this.mask] as number;
      }
      if (written < length) break;
    }
    return true;
  }

  /** Gives every event of batch `batch` the time `at`. */
  private stamp(batch: number, at: number): void {
    const b = batch & this.mask;
    const { sentAt } = this.window.buffers;
    for (let seq = this.batchFirst[b] as number; seq <= (this.batchLast[b] as number); seq++) sentAt[seq & this.window.eventMask] = at;
  }

  /** Batch k's start, counted from the first event after the barrier. */
  private dueAfterMs(batch: number): number {
    return (((this.batchFirst[batch & this.mask] as number) - 2) / this.rate) * 1000;
  }
}
