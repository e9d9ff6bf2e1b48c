import { describe, expect, test } from "bun:test";
import { decadeBuckets, Histogram } from "./histogram.ts";

describe("decadeBuckets", () => {
  test("1, 2, 5 per decade, ending at the last power of ten, each printing as written", () => {
    expect(decadeBuckets(-5, -2).map(String)).toEqual(["0.00001", "0.00002", "0.00005", "0.0001", "0.0002", "0.0005", "0.001", "0.002", "0.005", "0.01"]);
    expect(decadeBuckets(0, 2)).toEqual([1, 2, 5, 10, 20, 50, 100]);
    expect(decadeBuckets(0, 1, [1, 3])).toEqual([1, 3, 10]);
  });
});

describe("Histogram", () => {
  test("puts each value in the first bucket whose bound it does not exceed, the rest in +Inf", () => {
    const histogram = new Histogram([1, 2, 5]);
    for (const value of [0, 1, 1.5, 2, 4.9, 5, 5.1, 1e9]) histogram.observe(value);
    expect([...histogram.counts]).toEqual([2, 2, 2, 2]);
    expect(histogram.count).toBe(8);
    expect(histogram.sum).toBe(0 + 1 + 1.5 + 2 + 4.9 + 5 + 5.1 + 1e9);
  });

  test("one call can record many equal observations", () => {
    const histogram = new Histogram([0.001, 0.01]);
    histogram.observe(0.005, 1000);
    histogram.observe(0.0005, 3);
    expect([...histogram.counts]).toEqual([3, 1000, 0]);
    expect(histogram.count).toBe(1003);
    expect(histogram.sum).toBeCloseTo(5.0015, 12);
  });

  test("bounds must increase", () => {
    expect(() => new Histogram([1, 1])).toThrow("must increase");
    expect(() => new Histogram([2, 1])).toThrow("must increase");
    expect(() => new Histogram([1, Number.NaN])).toThrow("must increase");
  });
});
