/**
 * Where each follow edge sits in its followee's follower list, by (from, to):
 * an open-addressing hash table over one typed array (linear probing,
 * deletion by backward shift), because the generator looks an edge up for
 * every follow and unfollow and a Map of numbers costs several times as much.
 * A slot is three int32s side by side (from, to, position), so a probe reads
 * one cache line and moving an entry needs no arithmetic to find its home.
 */
const STRIDE = 3;

export class EdgeIndex {
  /** By slot: from (0 for an empty slot; user ids start at 1), to, position. */
  private table: Int32Array;
  private mask: number;
  /** 32 − log2(slots): a slot is the top bits of the hash, which mix every bit of both ids. */
  private shift: number;
  size = 0;

  constructor() {
    this.table = new Int32Array(1024 * STRIDE);
    this.mask = 1023;
    this.shift = 22;
  }

  /** The position of edge from → to, or −1. */
  get(from: number, to: number): number {
    const table = this.table;
    for (let at = this.slot(from, to); ; at = (at + 1) & this.mask) {
      const i = at * STRIDE;
      const f = table[i] as number;
      if (f === from && table[i + 1] === to) return table[i + 2] as number;
      if (f === 0) return -1;
    }
  }

  /** Adds or moves edge from → to. */
  set(from: number, to: number, position: number): void {
    const table = this.table;
    let at = this.slot(from, to);
    for (; ; at = (at + 1) & this.mask) {
      const i = at * STRIDE;
      const f = table[i] as number;
      if (f === from && table[i + 1] === to) {
        table[i + 2] = position;
        return;
      }
      if (f === 0) break;
    }
    const i = at * STRIDE;
    table[i] = from;
    table[i + 1] = to;
    table[i + 2] = position;
    if (++this.size * 2 > this.mask + 1) this.grow();
  }

  delete(from: number, to: number): void {
    const { table, mask } = this;
    let at = this.slot(from, to);
    for (; ; at = (at + 1) & mask) {
      const f = table[at * STRIDE] as number;
      if (f === from && table[at * STRIDE + 1] === to) break;
      if (f === 0) return;
    }
    this.size--;
    // Backward shift: pull later entries of the probe run into the hole, so lookups never need tombstones.
    let hole = at;
    for (let next = (hole + 1) & mask; table[next * STRIDE] !== 0; next = (next + 1) & mask) {
      const i = next * STRIDE;
      const home = this.slot(table[i] as number, table[i + 1] as number);
      if (((next - home) & mask) >= ((next - hole) & mask)) {
        const h = hole * STRIDE;
        table[h] = table[i] as number;
        table[h + 1] = table[i + 1] as number;
        table[h + 2] = table[i + 2] as number;
        hole = next;
      }
    }
    table[hole * STRIDE] = 0;
  }

  private slot(from: number, to: number): number {
    return Math.imul(Math.imul(from, 0x85ebca6b) ^ to, 0x9e3779b1) >>> this.shift;
  }

  private grow(): void {
    const old = this.table;
    this.table = new Int32Array(old.length * 2);
    this.mask = this.mask * 2 + 1;
    this.shift--;
    this.size = 0;
    for (let i = 0; i < old.length; i += STRIDE) {
      if (old[i] !== 0) this.set(old[i] as number, old[i + 1] as number, old[i + 2] as number);
    }
  }
}
