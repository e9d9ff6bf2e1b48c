/**
 * Latencies in microseconds, bucketed log-linearly (32 buckets per power of
 * two above 64 µs, one per microsecond below), so recording is O(1) without
 * allocation and every percentile is within about 3 % of the true value.
 */
export class LatencyHistogram implements HistogramState {
  count = 0;
  /** Microseconds, exact. */
  max = 0;
  readonly buckets = new Float64Array(LINEAR + 26 * HALF);

  /** Adds another histogram's values, e.g. one that crossed from a client thread as plain data. */
  merge(other: HistogramState): void {
    for (let i = 0; i < this.buckets.length; i++) this.buckets[i] += other.buckets[i] as number;
    this.count += other.count;
    this.max = Math.max(this.max, other.max);
  }

  clear(): void {
    this.buckets.fill(0);
    this.count = 0;
    this.max = 0;
  }

  /** `micros` is rounded down to a whole microsecond; negative values count as 0. */
  record(micros: number, times = 1): void {
    const value = micros > 0 ? Math.min(Math.floor(micros), MAX_MICROS) : 0;
    this.buckets[bucketOf(value)] += times;
    this.count += times;
    if (value > this.max) this.max = value;
  }

  /** The smallest recorded value that `percent` % (to a thousandth) of the values are at or below, in microseconds (0 if empty). */
  percentile(percent: number): number {
    if (this.count === 0) return 0;
    // In whole thousandths of a percent, so 99.9 % of 1000 is rank 999 exactly, not 999.0000000000001 rounded up.
    const rank = Math.max(1, Math.ceil((Math.round(percent * 1000) * this.count) / 100_000));
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i] as number;
      if (seen >= rank) return Math.min(highestIn(i), this.max);
    }
    return this.max;
  }
}

/** What survives postMessage of a histogram. */
export interface HistogramState {
  count: number;
  max: number;
  buckets: Float64Array;
}

const LINEAR = 64;
const HALF = LINEAR / 2;
const MAX_MICROS = 2 ** 31 - 1;

function bucketOf(value: number): number {
  if (value < LINEAR) return value;
  const magnitude = 31 - Math.clz32(value);
  const shift = magnitude - 5;
  return LINEAR + (magnitude - 6) * HALF + ((value >>> shift) - HALF);
}

function highestIn(bucket: number): number {
  if (bucket < LINEAR) return bucket;
  const magnitude = 6 + Math.floor((bucket - LINEAR) / HALF);
  const shift = magnitude - 5;
  const sub = ((bucket - LINEAR) % HALF) + HALF;
  return (sub + 1) * 2 ** shift - 1;
}
