/**
 * The whole numbers n up to which int(n) needs no doubles: masking keeps
 * exactly 0 … 2^15 − 1, and below 2^15 every partial sum fits an int32.
 */
const SMALL_N = 0x7fff;

/**
 * Deterministic pseudo-random numbers (mulberry32) for the simulator and the tests: the same seed
 * always gives the same sequence, so a failing run or randomized test can be replayed.
 */
export class Prng {
  private state: number;

  constructor(seed: number) {
    // Kept as an int32 (the same bits as mulberry32's uint32), which the JIT keeps out of doubles.
    this.state = seed | 0;
  }

  /** A float in [0, 1). */
  next(): number {
    return (this.bits() >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    if ((n & SMALL_N) === n) {
      // floor(u · n / 2^32) in int32 arithmetic, half of u at a time, which is what next() · n floors to: the generator's
      // draws are all this small, and this keeps them out of doubles.
      const u = this.bits();
      return (Math.imul(u >>> 16, n) + (Math.imul(u & 0xffff, n) >>> 16)) >>> 16;
    }
    // Truncating is flooring for these non-negative values, and cheaper while they fit an int32.
    return n <= 0x7fffffff ? (this.next() * n) | 0 : Math.floor(this.next() * n);
  }

  /** An integer in [lo, hi] (both inclusive). */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    // next() < p without its division: scaling both sides by 2^32 is exact.
    return this.bits() >>> 0 < p * 4294967296;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = items[i];
      items[i] = items[j];
      items[j] = t;
    }
    return items;
  }

  /** mulberry32's next output: 32 bits as an int32. */
  private bits(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return t ^ (t >>> 14);
  }
}
