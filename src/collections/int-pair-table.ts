import { pairKey, slotFor } from "./int-hash.ts";

const EMPTY = -1;

/**
 * A hash map from pairs of int32 keys to non-negative int32 values, kept in
 * three Int32Arrays so it allocates nothing per entry: open addressing with
 * linear probing, a load factor of at most one half, and backward-shift
 * deletion, so probe chains stay short without tombstones. The first key
 * must be non-negative (-1 marks an empty slot); the second may be anything.
 *
 * The user index keys it by (user id, 0), the follower table by (followee,
 * follower).
 */
export class IntPairTable {
  private firsts: Int32Array;
  private seconds: Int32Array;
  private values: Int32Array;
  private shift: number;
  private mask: number;
  private count = 0;

  constructor(initialCapacity = 1024) {
    let bits = 4;
    while (1 << bits < initialCapacity * 2) bits++;
    this.shift = 32 - bits;
    this.mask = (1 << bits) - 1;
    this.firsts = new Int32Array(1 << bits).fill(EMPTY);
    this.seconds = new Int32Array(1 << bits);
    this.values = new Int32Array(1 << bits);
  }

  get size(): number {
    return this.count;
  }

  /** The value stored for (a, b), or -1. */
  get(a: number, b: number): number {
    const slot = this.probe(a, b);
    return this.firsts[slot] === EMPTY ? -1 : this.values[slot];
  }

  /** The value already stored for (a, b); if there is none, stores `value` and returns -1. */
  putIfAbsent(a: number, b: number, value: number): number {
    const slot = this.probe(a, b);
    if (this.firsts[slot] !== EMPTY) return this.values[slot];
    this.firsts[slot] = a;
    this.seconds[slot] = b;
    this.values[slot] = value;
    if (++this.count * 2 > this.firsts.length) this.rehash();
    return -1;
  }

  /** Sets the value of (a, b), which must be present. */
  replace(a: number, b: number, value: number): void {
    this.values[this.probe(a, b)] = value;
  }

  /** Removes (a, b); returns the value it had, or -1 if it was not there. */
  remove(a: number, b: number): number {
    const slot = this.probe(a, b);
    if (this.firsts[slot] === EMPTY) return -1;
    const value = this.values[slot];
    this.removeSlot(slot);
    this.count--;
    return value;
  }

  /** The slot holding (a, b), or the empty slot where it would go. */
  private probe(a: number, b: number): number {
    const firsts = this.firsts;
    const seconds = this.seconds;
    const mask = this.mask;
    let slot = slotFor(pairKey(a, b), this.shift);
    for (;;) {
      const first = firsts[slot];
      if (first === EMPTY || (first === a && seconds[slot] === b)) return slot;
      slot = (slot + 1) & mask;
    }
  }

  /** Backward-shift deletion: moves later entries of the chain back so no probe stops early at the hole. */
  private removeSlot(hole: number): void {
    const mask = this.mask;
    const firsts = this.firsts;
    const seconds = this.seconds;
    const values = this.values;
    let next = hole;
    for (;;) {
      next = (next + 1) & mask;
      const first = firsts[next];
      if (first === EMPTY) break;
      const home = slotFor(pairKey(first, seconds[next]), this.shift);
      // The entry may fill the hole only if its home is not cyclically within (hole, next].
      const stays = hole <= next ? home > hole && home <= next : home > hole || home <= next;
      if (stays) continue;
      firsts[hole] = first;
      seconds[hole] = seconds[next];
      values[hole] = values[next];
      hole = next;
    }
    firsts[hole] = EMPTY;
  }

  private rehash(): void {
    const firsts = this.firsts;
    const seconds = this.seconds;
    const values = this.values;
    const bits = 33 - this.shift;
    this.shift = 32 - bits;
    this.mask = (1 << bits) - 1;
    this.firsts = new Int32Array(1 << bits).fill(EMPTY);
    this.seconds = new Int32Array(1 << bits);
    this.values = new Int32Array(1 << bits);
    for (let i = 0; i < firsts.length; i++) {
      const first = firsts[i];
      if (first === EMPTY) continue;
      const second = seconds[i];
      let slot = slotFor(pairKey(first, second), this.shift);
      while (this.firsts[slot] !== EMPTY) slot = (slot + 1) & this.mask;
      this.firsts[slot] = first;
      this.seconds[slot] = second;
      this.values[slot] = values[i];
    }
  }
}
