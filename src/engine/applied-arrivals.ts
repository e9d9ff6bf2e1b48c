import { grownCapacity, resized } from "../collections/typed-arrays.ts";

/** Where delivery latencies go (a Histogram, in the server). */
export interface LatencySink {
  observe(seconds: number, count: number): void;
}

/**
 * Arrival stamps (clock() ms) of the events applied since their
 * notifications were last written, as runs of (stamp, count). Events applied
 * from one read share its stamp, so a read costs one run however many events
 * it carried; only held events, released one by one, add a run each when
 * their stamps alternate. The arrays grow to the most runs ever seen between
 * two writes and are reused.
 */
export class AppliedArrivals {
  private stamps = new Float64Array(16);
  private counts = new Float64Array(16);
  private runs = 0;

  add(stamp: number, count: number): void {
    const last = this.runs - 1;
    if (last >= 0 && this.stamps[last] === stamp) {
      this.counts[last] += count;
      return;
    }
    if (this.runs === this.stamps.length) this.grow();
    this.stamps[this.runs] = stamp;
    this.counts[this.runs] = count;
    this.runs++;
  }

  /** The events were written at `now`: hands each run's latency, in seconds, to `sink` and forgets them. */
  written(now: number, sink: LatencySink): void {
    const stamps = this.stamps;
    const counts = this.counts;
    for (let i = 0; i < this.runs; i++) sink.observe((now - stamps[i]) / 1000, counts[i]);
    this.runs = 0;
  }

  private grow(): void {
    const capacity = grownCapacity(this.stamps.length, this.runs + 1);
    this.stamps = resized(this.stamps, capacity);
    this.counts = resized(this.counts, capacity);
  }
}
