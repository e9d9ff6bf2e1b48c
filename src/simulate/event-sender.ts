import type { ByteWriter } from "../routing/outbox.ts";
import type { Workload } from "./workload.ts";

/** Bytes handed to one write: large enough to fill a socket buffer, small enough to stamp batches promptly. */
const WRITE_BYTES = 256 * 1024;

/**
 * Writes a workload's event stream to an event-source connection, either as
 * fast as the connection takes it or paced to a fixed rate of events per
 * second, and stamps each batch with the time its last byte was handed over,
 * which is what latencies are measured from. Knows nothing about sockets
 * beyond `write`: the caller pumps it on drain and when `nextDueMs` comes.
 */
export class EventSender {
  /**
   * By batch: the clock when its first byte was written; NaN until then. The
   * first byte, because a server may deliver the start of a batch that a
   * partial write cut in two before the rest goes out.
   */
  readonly sentAt: Float64Array;
  /** Bytes of the stream written so far. */
  private offset = 0;
  /** Batches whose first byte has been written. */
  private stamped = 0;
  /** Batches whose every byte has been written. */
  private completed = 0;
  /** Batches released to be written: all of them when not paced. */
  private released = 1;
  /** performance.now() when the stream after the barrier was let go; NaN before. */
  private startedAt = Number.NaN;
  closed = false;

  constructor(
    private readonly workload: Workload,
    /** Events per second, 0 for as fast as possible. */
    private readonly rate: number,
  ) {
    // Shared: the client threads read it to time each notification.
    this.sentAt = new Float64Array(new SharedArrayBuffer(workload.batchEnd.length * Float64Array.BYTES_PER_ELEMENT)).fill(Number.NaN);
  }

  get batches(): number {
    return this.workload.batchEnd.length;
  }

  get finished(): boolean {
    return this.completed === this.batches;
  }

  /** Events whose batch has been completely written. */
  get eventsSent(): number {
    return (this.workload.batchFirst[this.completed] as number) - 1;
  }

  /** Lets the rest of the stream go, timed from `now`; until then only batch 0, the barrier broadcast, is sent. */
  start(now: number): void {
    this.startedAt = now;
    this.released = this.rate > 0 ? 1 : this.batches;
  }

  /** When the next paced batch is due (on the `now` clock pump is given), or NaN when nothing more waits for the clock. */
  get nextDueMs(): number {
    if (this.rate === 0 || this.released === this.batches) return Number.NaN;
    return this.startedAt + this.dueAfterMs(this.released);
  }

  /** Writes what is due and `writer` takes; false once the connection has closed. */
  pump(writer: ByteWriter, now: number): boolean {
    if (this.rate > 0 && !Number.isNaN(this.startedAt)) {
      while (this.released < this.batches && this.dueAfterMs(this.released) <= now - this.startedAt) this.released++;
    }
    const limit = this.workload.batchEnd[this.released - 1] as number;
    const bytes = this.workload.bytes;
    while (this.offset < limit) {
      const length = Math.min(limit - this.offset, WRITE_BYTES);
      const written = writer.write(bytes, this.offset, length);
      if (written < 0) {
        this.closed = true;
        return false;
      }
      this.offset += written;
      const ends = this.workload.batchEnd;
      // Batch k starts where batch k − 1 ends.
      while (this.stamped < this.batches && (this.stamped === 0 ? 0 : (ends[this.stamped - 1] as number)) < this.offset) this.sentAt[this.stamped++] = now;
      while (this.completed < this.batches && (ends[this.completed] as number) <= this.offset) this.completed++;
      if (written < length) break;
    }
    return true;
  }

  /** Batch k's start, counted from the first event after the barrier. */
  private dueAfterMs(batch: number): number {
    return (((this.workload.batchFirst[batch] as number) - 2) / this.rate) * 1000;
  }
}
