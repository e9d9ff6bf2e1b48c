/**
 * Where each follow edge sits in its followee's follower list, by (from, to):
 * an open-addressing hash table over typed arrays (linear probing, deletion
 * by backward shift), because the generator looks an edge up for every
 * follow and unfollow and a Map of numbers costs several times as much.
 */
export class EdgeIndex {
  /** from * (users + 1) + to, 0 for an empty slot (user ids start at 1, so no edge has key 0). */
  private keys: Float64Array;
  private values: Int32Array;
  private mask: number;
  size = 0;

  constructor(private readonly users: number) {
    this.keys = new Float64Array(1024);
    this.values = new Int32Array(1024);
    this.mask = 1023;
  }

  /** The position of edge from → to, or −1. */
  get(from: number, to: number): number {
    const key = this.key(from, to);
    for (let at = this.slot(from, to); ; at = (at + 1) & this.mask) {
      const k = this.keys[at] as number;
      if (k === key) return this.values[at] as number;
      if (k === 0) return -1;
    }
  }

  /** Adds or moves edge from → to. */
  set(from: number, to: number, position: number): void {
    const key = this.key(from, to);
    let at = this.slot(from, to);
    for (; ; at = (at + 1) & this.mask) {
      const k = this.keys[at] as number;
      if (k === key) {
        this.values[at] = position;
        return;
      }
      if (k === 0) break;
    }
    this.keys[at] = key;
    this.values[at] = position;
    if (++this.size * 2 > this.keys.length) this.grow();
  }

  delete(from: number, to: number): void {
    const key = this.key(from, to);
    let at = this.slot(from, to);
    for (; ; at = (at + 1) & this.mask) {
      const k = this.keys[at] as number;
      if (k === key) break;
      if (k === 0) return;
    }
    this.size--;
    // Backward shift: pull later entries of the probe run into the hole, so lookups never need tombstones.
    let hole = at;
    for (let next = (hole + 1) & this.mask; this.keys[next] !== 0; next = (next + 1) & this.mask) {
      const k = this.keys[next] as number;
      const home = this.slotOfKey(k);
      if (((next - home) & this.mask) >= ((next - hole) & this.mask)) {
        this.keys[hole] = k;
        this.values[hole] = this.values[next] as number;
        hole = next;
      }
    }
    this.keys[hole] = 0;
  }

  private key(from: number, to: number): number {
    return from * (this.users + 1) + to;
  }

  private slot(from: number, to: number): number {
    return (Math.imul(Math.imul(from, 0x85ebca6b) ^ to, 0x9e3779b1) >>> 0) & this.mask;
  }

  private slotOfKey(key: number): number {
    const to = key % (this.users + 1);
    return this.slot((key - to) / (this.users + 1), to);
  }

  private grow(): void {
    const { keys, values } = this;
    this.keys = new Float64Array(keys.length * 2);
    this.values = new Int32Array(keys.length * 2);
    this.mask = this.keys.length - 1;
    this.size = 0;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i] as number;
      if (k === 0) continue;
      const to = k % (this.users + 1);
      this.set((k - to) / (this.users + 1), to, values[i] as number);
    }
  }
}
