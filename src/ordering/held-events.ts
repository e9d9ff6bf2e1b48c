import { resized } from "../collections/typed-arrays.ts";

/** Compaction runs once pinned reads outweigh the bytes actually held by this factor … */
const COMPACT_RATIO = 4;
/** … and by at least this much, so ordinary streams never pay for it. */
const COMPACT_SLACK_BYTES = 1 << 20;

/**
 * Storage for events that arrived ahead of their turn: the parsed fields in
 * parallel typed arrays, the line bytes left where they were read.
 *
 * A held line is a (read buffer, offset, length) triple: read buffers are never
 * reused, so pinning one costs nothing per event. A buffer is released when its
 * last held line is. Because one far-ahead line could otherwise pin a whole
 * 64 KiB read, pinned bytes are bounded: when they exceed
 * COMPACT_RATIO × held bytes + COMPACT_SLACK_BYTES, the held lines are copied
 * into one exact-size buffer and the reads are let go. That copy is amortised
 * against the bytes read since the last one, and never happens on a stream
 * whose reordering window fits in a read or two.
 */
export class HeldEvents {
  private bufferOf = new Int32Array(0);
  private startOf = new Int32Array(0);
  /** -1 marks a free slot. */
  private lengthOf = new Int32Array(0);
  private kindOf = new Uint8Array(0);
  private fromOf = new Int32Array(0);
  private toOf = new Int32Array(0);
  /** When the read carrying the line arrived (clock() ms), for the delivery latency. */
  private arrivedOf = new Float64Array(0);
  private freeSlots = new Int32Array(0);
  private freeSlotCount = 0;

  private buffers: (Uint8Array | null)[] = [];
  private refs = new Int32Array(16);
  private freeBufferIds: number[] = [];
  private lastBuffer: Uint8Array | null = null;
  private lastBufferId = -1;

  /** Bytes of the held lines themselves. */
  heldBytes = 0;
  /** Bytes of the read buffers those lines keep alive. */
  pinnedBytes = 0;

  constructor(initialSlots = 1024) {
    this.growSlots(Math.max(1, initialSlots));
  }

  hold(buf: Uint8Array, start: number, length: number, kind: number, from: number, to: number, arrived: number): number {
    if (this.freeSlotCount === 0) this.growSlots(this.lengthOf.length * 2);
    const slot = this.freeSlots[--this.freeSlotCount];
    // Zero-length lines (no-op placeholders) need no bytes and pin nothing.
    const id = length > 0 ? this.pin(buf) : -1;
    this.bufferOf[slot] = id;
    this.startOf[slot] = start;
    this.lengthOf[slot] = length;
    this.kindOf[slot] = kind;
    this.fromOf[slot] = from;
    this.toOf[slot] = to;
    this.arrivedOf[slot] = arrived;
    this.heldBytes += length;
    return slot;
  }

  release(slot: number): void {
    const id = this.bufferOf[slot];
    if (id >= 0) this.unpin(id);
    this.heldBytes -= this.lengthOf[slot];
    this.lengthOf[slot] = -1;
    this.freeSlots[this.freeSlotCount++] = slot;
  }

  /** The buffer holding the slot's line; only valid while the slot is held. */
  bytes(slot: number): Uint8Array {
    const id = this.bufferOf[slot];
    return id >= 0 ? (this.buffers[id] as Uint8Array) : EMPTY;
  }

  start(slot: number): number {
    return this.startOf[slot];
  }

  length(slot: number): number {
    return this.lengthOf[slot];
  }

  kind(slot: number): number {
    return this.kindOf[slot];
  }

  from(slot: number): number {
    return this.fromOf[slot];
  }

  to(slot: number): number {
    return this.toOf[slot];
  }

  arrived(slot: number): number {
    return this.arrivedOf[slot];
  }

  /** Copies held lines out of their reads when the reads are mostly dead weight. Returns whether it did. */
  compactIfWasteful(): boolean {
    if (this.pinnedBytes <= COMPACT_RATIO * this.heldBytes + COMPACT_SLACK_BYTES) return false;
    const arena = new Uint8Array(this.heldBytes);
    let offset = 0;
    let lines = 0;
    const lengthOf = this.lengthOf;
    for (let slot = 0; slot < lengthOf.length; slot++) {
      const length = lengthOf[slot];
      if (length <= 0) continue;
      const start = this.startOf[slot];
      arena.set((this.buffers[this.bufferOf[slot]] as Uint8Array).subarray(start, start + length), offset);
      this.startOf[slot] = offset;
      offset += length;
      lines++;
    }
    this.buffers = [];
    this.freeBufferIds = [];
    this.refs.fill(0);
    this.lastBuffer = null;
    this.lastBufferId = -1;
    this.pinnedBytes = 0;
    if (lines === 0) return true;
    const id = this.pin(arena);
    this.refs[id] = lines;
    for (let slot = 0; slot < lengthOf.length; slot++) {
      if (lengthOf[slot] > 0) this.bufferOf[slot] = id;
    }
    return true;
  }

  private pin(buf: Uint8Array): number {
    // Consecutive held lines almost always come from the same read.
    if (buf === this.lastBuffer) {
      this.refs[this.lastBufferId]++;
      return this.lastBufferId;
    }
    let id: number;
    if (this.freeBufferIds.length > 0) {
      id = this.freeBufferIds.pop() as number;
      this.buffers[id] = buf;
    } else {
      id = this.buffers.length;
      this.buffers.push(buf);
      if (id === this.refs.length) this.refs = resized(this.refs, id * 2);
    }
    this.refs[id] = 1;
    this.pinnedBytes += buf.length;
    this.lastBuffer = buf;
    this.lastBufferId = id;
    return id;
  }

  private unpin(id: number): void {
    if (--this.refs[id] > 0) return;
    const buf = this.buffers[id] as Uint8Array;
    this.pinnedBytes -= buf.length;
    this.buffers[id] = null;
    this.freeBufferIds.push(id);
    if (id === this.lastBufferId) {
      this.lastBuffer = null;
      this.lastBufferId = -1;
    }
  }

  private growSlots(capacity: number): void {
    const old = this.lengthOf.length;
    this.bufferOf = resized(this.bufferOf, capacity);
    this.startOf = resized(this.startOf, capacity);
    this.lengthOf = resized(this.lengthOf, capacity);
    this.lengthOf.fill(-1, old);
    this.fromOf = resized(this.fromOf, capacity);
    this.toOf = resized(this.toOf, capacity);
    this.arrivedOf = resized(this.arrivedOf, capacity);
    this.kindOf = resized(this.kindOf, capacity);
    const free = resized(this.freeSlots, capacity, this.freeSlotCount);
    // Hand out low slot numbers first so a walk over slots touches few pages.
    for (let slot = capacity - 1; slot >= old; slot--) free[this.freeSlotCount++] = slot;
    this.freeSlots = free;
  }
}

const EMPTY = new Uint8Array(0);
