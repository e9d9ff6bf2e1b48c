import { IntPairTable } from "../collections/int-pair-table.ts";
import { resized } from "../collections/typed-arrays.ts";

/**
 * Maps user ids (0 … 2^31−1) to dense indices 0, 1, 2, … so that per-user
 * state can live in flat typed arrays. Ids are never removed, because follow
 * edges outlive connections.
 */
export class UserIndex {
  /** (id, 0) → index. */
  private readonly indices: IntPairTable;
  private ids: Int32Array;
  private count = 0;

  constructor(initialCapacity = 1024) {
    this.indices = new IntPairTable(initialCapacity);
    this.ids = new Int32Array(Math.max(16, initialCapacity));
  }

  /** How many distinct users have been interned. */
  get size(): number {
    return this.count;
  }

  /** Dense index of `id`, or -1 if it was never interned. */
  lookup(id: number): number {
    return this.indices.get(id, 0);
  }

  /** Dense index of `id`, assigning the next free one on first sight. */
  intern(id: number): number {
    const known = this.indices.putIfAbsent(id, 0, this.count);
    if (known >= 0) return known;
    const index = this.count++;
    if (index === this.ids.length) this.ids = resized(this.ids, index * 2);
    this.ids[index] = id;
    return index;
  }

  /** The user id behind a dense index. */
  idOf(index: number): number {
    return this.ids[index];
  }
}
