/**
 * Bucket bounds spaced evenly on a log scale, `steps` per decade (1, 2, 5 in
 * each), from `10^fromExponent` up to `10^toExponent` inclusive. Each bound is
 * computed as one correctly rounded operation, so it prints as written
 * (0.00005, not 0.000049999999999999996).
 */
export function decadeBuckets(fromExponent: number, toExponent: number, steps: readonly number[] = [1, 2, 5]): number[] {
  const bounds: number[] = [];
  for (let exponent = fromExponent; exponent < toExponent; exponent++) {
    for (const step of steps) bounds.push(exponent < 0 ? step / 10 ** -exponent : step * 10 ** exponent);
  }
  bounds.push(10 ** toExponent);
  return bounds;
}

/**
 * A Prometheus-style histogram over fixed buckets: per-bucket counts (the
 * last bucket is +Inf), a running sum and a count. Observing takes a count
 * too, so many equal observations cost one call; nothing allocates after
 * construction.
 */
export class Histogram {
  /** Observations per bucket, not cumulative; index `bounds.length` is the +Inf bucket. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    for (let i = 1; i < bounds.length; i++) {
      if (!(bounds[i] > bounds[i - 1])) throw new Error(`histogram bounds must increase: ${bounds[i - 1]} then ${bounds[i]}`);
    }
    this.counts = new Float64Array(bounds.length + 1);
  }

  /** Records `count` observations of `value`; a bucket holds the values up to and including its bound. */
  observe(value: number, count = 1): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]) i++;
    this.counts[i] += count;
    this.sum += value * count;
    this.count += count;
  }
}
