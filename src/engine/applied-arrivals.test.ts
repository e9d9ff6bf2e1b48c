import { describe, expect, test } from "bun:test";
import { AppliedArrivals, type LatencySink } from "./applied-arrivals.ts";

class Recorder implements LatencySink {
  readonly observed: [number, number][] = [];
  observe(seconds: number, count: number): void {
    this.observed.push([seconds, count]);
  }
}

describe("AppliedArrivals", () => {
  test("one observation per run of equal stamps, in seconds since the stamp", () => {
    const arrivals = new AppliedArrivals();
    arrivals.add(1000, 4000);
    arrivals.add(1000, 1);
    arrivals.add(1500, 2);
    arrivals.add(1000, 1);
    const sink = new Recorder();
    arrivals.written(2000, sink);
    expect(sink.observed).toEqual([
      [1, 4001],
      [0.5, 2],
      [1, 1],
    ]);
  });

  test("a write forgets what it reported", () => {
    const arrivals = new AppliedArrivals();
    arrivals.add(10, 1);
    arrivals.written(20, new Recorder());
    const sink = new Recorder();
    arrivals.written(30, sink);
    expect(sink.observed).toEqual([]);
    arrivals.add(25, 3);
    arrivals.written(30, sink);
    expect(sink.observed).toEqual([[0.005, 3]]);
  });

  test("grows past its initial runs and keeps every one", () => {
    const arrivals = new AppliedArrivals();
    for (let i = 0; i < 1000; i++) arrivals.add(i % 2 === 0 ? i : -i, i + 1);
    const sink = new Recorder();
    arrivals.written(0, sink);
    expect(sink.observed).toHaveLength(1000);
    expect(sink.observed[999]).toEqual([0.999, 1000]);
    expect(sink.observed.reduce((sum, [, count]) => sum + count, 0)).toBe((1000 * 1001) / 2);
  });
});
