import { resized } from "../collections/typed-arrays.ts";
import { slotFor } from "./int-hash.ts";

const EMPTY = -1;

/**
 * Maps user ids (0 … 2^31−1) to dense indices 0, 1, 2, … so that per-user
 * state can live in flat typed arrays. Open addressing with linear probing in
 * Int32Arrays; ids are never removed, because follow edges outlive connections.
 *
 * FollowerTable's edge hash is of the same family (linear probing,
 * backward-shift deletion), keyed by pairs. They stay two specialised
 * copies on purpose: one shared pair-keyed table measured
 * 22–34% slower on follow/unfollow churn, 15–19% on building a graph and
 * 3–7% on the whole engine (`bun run bench "FollowerTable|Engine"`, medians
 * of 5 interleaved runs). The hash functions are shared (int-hash.ts).
 */
export class UserIndex {
  /**
   * Each slot holds a dense index (or EMPTY), and `ids` says whose it is: a
   * probe compares `ids[index]`, so the table needs no array of keys beside
   * it (1 MiB of 2.5 MiB at 100,000 users).
   */
  private slots: Int32Array;
  private shift: number;
  private mask: number;
  private ids: Int32Array;
  private count = 0;

  constructor(initialCapacity = 1024) {
    let bits = 4;
    while (1 << bits < initialCapacity * 2) bits++;
    this.shift = 32 - bits;
    this.mask = (1 << bits) - 1;
    this.slots = new Int32Array(1 << bits).fill(EMPTY);
    this.ids = new Int32Array(1 << (bits - 1));
  }

  /** How many distinct users have been interned. */
  get size(): number {
    return this.count;
  }

  /** Dense index of `id`, or -1 if it was never interned. */
  lookup(id: number): number {
    return this.slots[this.probe(id)];
  }

  /** Dense index of `id`, assigning the next free one on first sight. */
  intern(id: number): number {
    const slot = this.probe(id);
    const found = this.slots[slot];
    if (found !== EMPTY) return found;
    const index = this.count++;
    this.ids[index] = id;
    this.slots[slot] = index;
    if (this.count === this.ids.length) this.rehash();
    return index;
  }

  /** The user id behind a dense index. */
  idOf(index: number): number {
    return this.ids[index];
  }

  /** The slot holding `id`'s index, or the empty slot where it would go. */
  private probe(id: number): number {
    const slots = this.slots;
    const ids = this.ids;
    const mask = this.mask;
    let slot = slotFor(id, this.shift);
    for (;;) {
      const index = slots[slot];
      if (index === EMPTY || ids[index] === id) return slot;
      slot = (slot + 1) & mask;
    }
  }

  /** Keeps the load factor below one half, reinserting in index order since `ids` holds every key. */
  private rehash(): void {
    const bits = 33 - this.shift;
    const shift = 32 - bits;
    const mask = (1 << bits) - 1;
    const slots = new Int32Array(1 << bits).fill(EMPTY);
    const ids = resized(this.ids, 1 << (bits - 1));
    for (let index = 0; index < this.count; index++) {
      let slot = slotFor(ids[index], shift);
      while (slots[slot] !== EMPTY) slot = (slot + 1) & mask;
      slots[slot] = index;
    }
    this.shift = shift;
    this.mask = mask;
    this.slots = slots;
    this.ids = ids;
  }
}
