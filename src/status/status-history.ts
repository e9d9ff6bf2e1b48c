/** The running totals the status page follows over time. */
export interface Totals {
  received: number;
  applied: number;
  notifications: number;
  /** Delivery latency observations per bucket (not cumulative), +Inf last. */
  latency: ArrayLike<number>;
}

/** Per-second rates between consecutive samples, oldest first. */
export interface Rates {
  received: number[];
  applied: number[];
  notifications: number[];
}

const TIME = 0;
const RECEIVED = 1;
const APPLIED = 2;
const NOTIFICATIONS = 3;
const LATENCY = 4;

/**
 * The last `capacity` samples of the server's totals, taken by the caller
 * at a steady interval, in one preallocated ring: the status page draws its
 * rate charts from consecutive samples and its latency percentiles from the
 * latency buckets counted within a recent window, so a page opened late
 * still shows the last minutes and old traffic does not mask today's latency.
 */
export class StatusHistory {
  private readonly rows: Float64Array;
  private readonly width: number;
  private newest = -1;
  private size = 0;

  constructor(
    readonly capacity: number,
    private readonly latencyBuckets: number,
  ) {
    if (capacity < 2) throw new Error(`a history needs at least 2 samples, not ${capacity}`);
    this.width = LATENCY + latencyBuckets;
    this.rows = new Float64Array(capacity * this.width);
  }

  /** Samples taken so far, up to the capacity. */
  get samples(): number {
    return this.size;
  }

  record(timeMs: number, totals: Totals): void {
    this.newest = (this.newest + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
    const row = this.newest * this.width;
    const rows = this.rows;
    rows[row + TIME] = timeMs;
    rows[row + RECEIVED] = totals.received;
    rows[row + APPLIED] = totals.applied;
    rows[row + NOTIFICATIONS] = totals.notifications;
    for (let i = 0; i < this.latencyBuckets; i++) rows[row + LATENCY + i] = totals.latency[i];
  }

  rates(): Rates {
    const rates: Rates = { received: [], applied: [], notifications: [] };
    for (let age = this.size - 2; age >= 0; age--) {
      const now = this.row(age);
      const before = this.row(age + 1);
      const seconds = (this.rows[now + TIME] - this.rows[before + TIME]) / 1000;
      const rate = (column: number) => (seconds > 0 ? Math.round((this.rows[now + column] - this.rows[before + column]) / seconds) : 0);
      rates.received.push(rate(RECEIVED));
      rates.applied.push(rate(APPLIED));
      rates.notifications.push(rate(NOTIFICATIONS));
    }
    return rates;
  }

  /**
   * Latency observations per bucket between the newest sample and the oldest
   * one no more than `windowMs` before it; with fewer than two samples, those
   * of the newest (everything since the start).
   */
  recentLatency(windowMs: number): { counts: Float64Array; seconds: number } {
    const counts = new Float64Array(this.latencyBuckets);
    if (this.size === 0) return { counts, seconds: 0 };
    const newest = this.row(0);
    const until = this.rows[newest + TIME];
    let oldest = -1;
    for (let age = 1; age < this.size; age++) {
      const row = this.row(age);
      if (until - this.rows[row + TIME] > windowMs) break;
      oldest = row;
    }
    for (let i = 0; i < this.latencyBuckets; i++) counts[i] = this.rows[newest + LATENCY + i] - (oldest < 0 ? 0 : this.rows[oldest + LATENCY + i]);
    return { counts, seconds: oldest < 0 ? 0 : (until - this.rows[oldest + TIME]) / 1000 };
  }

  /** Offset of the sample `age` samples before the newest. */
  private row(age: number): number {
    return ((this.newest - age + this.capacity) % this.capacity) * this.width;
  }
}
