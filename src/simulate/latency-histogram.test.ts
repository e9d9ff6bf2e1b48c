import { describe, expect, test } from "bun:test";
import { LatencyHistogram } from "./latency-histogram.ts";
import { Prng } from "./prng.ts";

const PERCENTS = [0, 1, 10, 25, 50, 75, 90, 99, 99.9, 99.99, 100];
const MAX_MICROS = 2 ** 31 - 1;

/** The smallest sample that `percent` % of them are at or below: the definition the histogram approximates. */
function exactPercentile(sorted: readonly number[], percent: number): number {
  return sorted[Math.max(1, Math.ceil((percent / 100) * sorted.length)) - 1];
}

/** Whole microseconds from 0 to 10 s, log-uniform, so every bucket size is exercised. */
function logUniform(prng: Prng, count: number): number[] {
  return Array.from({ length: count }, () => Math.floor(Math.exp(prng.next() * Math.log(1e7 + 1))) - 1);
}

describe("LatencyHistogram", () => {
  test("empty: count, max and every percentile are 0", () => {
    const h = new LatencyHistogram();
    expect(h.count).toBe(0);
    expect(h.max).toBe(0);
    for (const p of PERCENTS) expect(h.percentile(p)).toBe(0);
  });

  test("percentiles are within 3.2 % of the exact ones for samples from 0 µs to 10 s", () => {
    for (const seed of [1, 2, 3]) {
      const samples = logUniform(new Prng(seed), 20_000);
      const h = new LatencyHistogram();
      for (const value of samples) h.record(value);
      const sorted = samples.toSorted((a, b) => a - b);
      expect(h.count).toBe(samples.length);
      expect(h.max).toBe(sorted[sorted.length - 1]);
      for (const p of [...PERCENTS, 33.3, 66.6, 95]) {
        const exact = exactPercentile(sorted, p);
        expect(Math.abs(h.percentile(p) - exact)).toBeLessThanOrEqual(exact * 0.032);
      }
    }
  });

  test("every recorded value alone comes back within 3.2 %, across the whole range", () => {
    const prng = new Prng(9);
    for (let i = 0; i < 5000; i++) {
      const value = Math.floor(2 ** (prng.next() * 31));
      const h = new LatencyHistogram();
      h.record(value);
      h.record(MAX_MICROS);
      // The median of two is the smaller, read back from its bucket rather than from max.
      const got = h.percentile(50);
      expect(got).toBeGreaterThanOrEqual(value);
      expect(got - value).toBeLessThanOrEqual(value * 0.032);
    }
  });

  test("exact below 64 µs", () => {
    const samples = Array.from({ length: 3000 }, (_, i) => (i * 37) % 64);
    const h = new LatencyHistogram();
    for (const value of samples) h.record(value);
    const sorted = samples.toSorted((a, b) => a - b);
    for (let p = 0; p <= 100; p += 0.5) expect(h.percentile(p)).toBe(exactPercentile(sorted, p));
  });

  test("fractions of a microsecond are rounded down", () => {
    const h = new LatencyHistogram();
    h.record(5.99);
    h.record(0.5);
    expect(h.percentile(100)).toBe(5);
    expect(h.percentile(50)).toBe(0);
    expect(h.max).toBe(5);
  });

  test("max is exact, and caps the top percentile to it", () => {
    const h = new LatencyHistogram();
    h.record(10);
    h.record(1_234_567);
    expect(h.max).toBe(1_234_567);
    expect(h.percentile(100)).toBe(1_234_567);
    expect(h.percentile(50)).toBe(10);
  });

  test("record with times counts the value that many times", () => {
    const once = new LatencyHistogram();
    const many = new LatencyHistogram();
    for (let i = 0; i < 99; i++) once.record(100);
    once.record(5000);
    many.record(100, 99);
    many.record(5000);
    expect(many.count).toBe(100);
    for (const p of PERCENTS) expect(many.percentile(p)).toBe(once.percentile(p));
    expect(many.percentile(99)).toBeLessThan(many.percentile(99.5));
  });

  test("negative and non-numeric values count as 0", () => {
    const h = new LatencyHistogram();
    h.record(-5);
    h.record(-1e12);
    h.record(Number.NaN);
    expect(h.count).toBe(3);
    expect(h.max).toBe(0);
    expect(h.percentile(100)).toBe(0);
  });

  test("huge values clamp to 2^31-1 µs", () => {
    const h = new LatencyHistogram();
    h.record(1e15);
    h.record(Number.POSITIVE_INFINITY);
    h.record(MAX_MICROS + 1);
    expect(h.count).toBe(3);
    expect(h.max).toBe(MAX_MICROS);
    expect(h.percentile(0)).toBe(MAX_MICROS);
    expect(h.percentile(100)).toBe(MAX_MICROS);
  });

  // 99.9 / 100 * 1000 is 999.0000000000001 in floating point: a naive rank would be one too high.
  test("p99.9 of 1000 values is the 999th smallest, not the largest", () => {
    const h = new LatencyHistogram();
    h.record(10, 999);
    h.record(5_000_000);
    expect(h.percentile(99.9)).toBe(10);
  });

  test("clear forgets everything, and recording starts afresh", () => {
    const h = new LatencyHistogram();
    for (const value of logUniform(new Prng(4), 1000)) h.record(value);
    h.clear();
    expect(h.count).toBe(0);
    expect(h.max).toBe(0);
    expect(h.percentile(50)).toBe(0);
    h.record(42);
    expect(h.count).toBe(1);
    expect(h.percentile(0)).toBe(42);
    expect(h.percentile(100)).toBe(42);
  });
});
