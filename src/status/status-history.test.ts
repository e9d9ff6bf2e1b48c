import { describe, expect, test } from "bun:test";
import { StatusHistory } from "./status-history.ts";

const totals = (received: number, applied: number, notifications: number, latency: number[] = [0, 0]) => ({ received, applied, notifications, latency });

describe("StatusHistory", () => {
  test("rates per second between consecutive samples, oldest first, whatever the interval", () => {
    const history = new StatusHistory(10, 2);
    expect(history.rates()).toEqual({ received: [], applied: [], notifications: [] });
    history.record(0, totals(0, 0, 0));
    history.record(1000, totals(100, 90, 900));
    history.record(1500, totals(150, 150, 1000));
    expect(history.rates()).toEqual({ received: [100, 100], applied: [90, 120], notifications: [900, 200] });
  });

  test("keeps only the last `capacity` samples", () => {
    const history = new StatusHistory(3, 2);
    for (let second = 0; second < 6; second++) history.record(second * 1000, totals(second * second, 0, 0));
    expect(history.samples).toBe(3);
    // Samples at seconds 3, 4, 5: totals 9, 16, 25.
    expect(history.rates().received).toEqual([7, 9]);
  });

  test("recent latency: the buckets counted since the oldest sample within the window", () => {
    const history = new StatusHistory(10, 2);
    history.record(0, totals(0, 0, 0, [100, 0]));
    history.record(1000, totals(0, 0, 0, [105, 1]));
    history.record(2000, totals(0, 0, 0, [105, 3]));
    history.record(3000, totals(0, 0, 0, [110, 7]));
    expect(history.recentLatency(2000)).toEqual({ counts: new Float64Array([5, 6]), seconds: 2 });
    expect(history.recentLatency(10_000)).toEqual({ counts: new Float64Array([10, 7]), seconds: 3 });
  });

  test("recent latency with one sample: everything counted so far", () => {
    const history = new StatusHistory(10, 2);
    expect(history.recentLatency(1000)).toEqual({ counts: new Float64Array([0, 0]), seconds: 0 });
    history.record(0, totals(0, 0, 0, [4, 1]));
    expect(history.recentLatency(1000)).toEqual({ counts: new Float64Array([4, 1]), seconds: 0 });
  });

  test("refuses a history that cannot hold one interval", () => {
    expect(() => new StatusHistory(1, 2)).toThrow("at least 2 samples");
  });
});
