import { resized } from "../collections/typed-arrays.ts";

/**
 * A binary min-heap of (sequence number, arrival stamp) keys, each carrying an
 * int32 payload, stored in parallel typed arrays: no object per entry, no GC
 * work per push. Keys are doubles, exact for every sequence number up to
 * 2^53−1. Equal sequence numbers come out in arrival order, so when a number
 * is sent twice the first copy wins and the second is recognised as a duplicate.
 */
export class SeqHeap {
  private seqs: Float64Array;
  private stamps: Float64Array;
  private values: Int32Array;
  private count = 0;
  private nextStamp = 0;

  constructor(initialCapacity = 1024) {
    const capacity = Math.max(2, initialCapacity);
    this.seqs = new Float64Array(capacity);
    this.stamps = new Float64Array(capacity);
    this.values = new Int32Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Smallest sequence number held; Infinity when empty. */
  peekSeq(): number {
    return this.count > 0 ? this.seqs[0] : Infinity;
  }

  push(seq: number, value: number): void {
    if (this.count === this.seqs.length) this.grow();
    const seqs = this.seqs;
    const stamps = this.stamps;
    const values = this.values;
    const stamp = this.nextStamp++;
    let i = this.count++;
    // Sift the hole up; entries only move once each.
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const ps = seqs[parent];
      if (ps < seq || (ps === seq && stamps[parent] < stamp)) break;
      seqs[i] = ps;
      stamps[i] = stamps[parent];
      values[i] = values[parent];
      i = parent;
    }
    seqs[i] = seq;
    stamps[i] = stamp;
    values[i] = value;
  }

  /** Removes the smallest entry and returns its payload. The heap must not be empty. */
  pop(): number {
    const seqs = this.seqs;
    const stamps = this.stamps;
    const values = this.values;
    const top = values[0];
    const n = --this.count;
    if (n === 0) {
      this.nextStamp = 0;
      return top;
    }
    const seq = seqs[n];
    const stamp = stamps[n];
    const value = values[n];
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      const right = child + 1;
      if (right < n && (seqs[right] < seqs[child] || (seqs[right] === seqs[child] && stamps[right] < stamps[child]))) {
        child = right;
      }
      const cs = seqs[child];
      if (seq < cs || (seq === cs && stamp < stamps[child])) break;
      seqs[i] = cs;
      stamps[i] = stamps[child];
      values[i] = values[child];
      i = child;
    }
    seqs[i] = seq;
    stamps[i] = stamp;
    values[i] = value;
    return top;
  }

  private grow(): void {
    const capacity = this.seqs.length * 2;
    this.seqs = resized(this.seqs, capacity);
    this.stamps = resized(this.stamps, capacity);
    this.values = resized(this.values, capacity);
  }
}
