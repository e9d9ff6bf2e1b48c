/**
 * The `q`-quantile (0 ≤ q ≤ 1) of observations counted per bucket, estimated
 * as Prometheus's histogram_quantile does: find the bucket holding the rank,
 * then interpolate linearly between its bounds (the first bucket starts at 0).
 * A rank in the +Inf bucket answers the last finite bound, the most the
 * buckets can say. `counts` are per bucket, not cumulative, with the +Inf
 * bucket last; null when there are no observations.
 */
export function bucketQuantile(bounds: readonly number[], counts: ArrayLike<number>, q: number): number | null {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i];
  if (total <= 0) return null;
  const rank = q * total;
  let below = 0;
  for (let i = 0; i < bounds.length; i++) {
    const count = counts[i];
    if (count > 0 && below + count >= rank) {
      const lower = i === 0 ? 0 : bounds[i - 1];
      return lower + (bounds[i] - lower) * ((rank - below) / count);
    }
    below += count;
  }
  return bounds[bounds.length - 1];
}
