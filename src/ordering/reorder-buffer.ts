import { HeldEvents } from "./held-events.ts";
import { SeqHeap } from "./seq-heap.ts";

/**
 * Holds events that arrived ahead of the next expected sequence number until
 * their turn. The caller applies in-order events directly and only asks this
 * buffer to hold the rest, so a stream that arrives in order never touches it.
 */
export class ReorderBuffer {
  private nextSeq: number;
  readonly events = new HeldEvents();
  private readonly heap = new SeqHeap();

  constructor(
    startSeq: number,
    /** At or above this many held events the caller should stop reading. */
    readonly capacity: number,
  ) {
    this.nextSeq = startSeq;
  }

  /** The sequence number that must be applied next. */
  get next(): number {
    return this.nextSeq;
  }

  /** `seq`, the next number, was applied. */
  advance(seq: number): void {
    this.nextSeq = seq + 1;
  }

  get size(): number {
    return this.heap.size;
  }

  get full(): boolean {
    return this.heap.size >= this.capacity;
  }

  /** Smallest held sequence number; Infinity when nothing is held. */
  peekSeq(): number {
    return this.heap.peekSeq();
  }

  /** `arrived`: when the read carrying the event came in (clock() ms). */
  hold(seq: number, buf: Uint8Array, start: number, length: number, kind: number, from: number, to: number, arrived: number): void {
    this.heap.push(seq, this.events.hold(buf, start, length, kind, from, to, arrived));
  }

  /** Removes the smallest held event and returns its slot in {@link events}; release it when done. */
  pop(): number {
    return this.heap.pop();
  }

  release(slot: number): void {
    this.events.release(slot);
  }

  /**
   * Gives up on the missing numbers before the smallest held event. Returns
   * how many were skipped (0 when nothing is held).
   */
  skipGap(): number {
    const first = this.heap.peekSeq();
    if (first === Infinity || first <= this.nextSeq) return 0;
    const skipped = first - this.nextSeq;
    this.nextSeq = first;
    return skipped;
  }

  /** Called after each read: bounds the memory that held lines keep alive. */
  settle(): void {
    this.events.compactIfWasteful();
  }
}
