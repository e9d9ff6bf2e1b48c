import { describe, expect, test } from "bun:test";
import { bucketQuantile } from "./quantile.ts";

describe("bucketQuantile", () => {
  const bounds = [1, 2, 5];

  test("no observations: null", () => {
    expect(bucketQuantile(bounds, [0, 0, 0, 0], 0.5)).toBeNull();
  });

  test("interpolates linearly inside the bucket that holds the rank, the first bucket starting at 0", () => {
    // 10 observations in (1, 2]: the median is halfway through that bucket.
    expect(bucketQuantile(bounds, [0, 10, 0, 0], 0.5)).toBe(1.5);
    expect(bucketQuantile(bounds, [4, 0, 0, 0], 0.25)).toBe(0.25);
    // 2 in the first bucket, 2 in the third: rank 3 is halfway through (2, 5].
    expect(bucketQuantile(bounds, [2, 0, 2, 0], 0.75)).toBe(3.5);
  });

  test("skips empty buckets and answers the bound a full bucket ends at", () => {
    expect(bucketQuantile(bounds, [5, 0, 5, 0], 0.5)).toBe(1);
    expect(bucketQuantile(bounds, [5, 0, 5, 0], 1)).toBe(5);
  });

  test("a rank in +Inf answers the last finite bound", () => {
    expect(bucketQuantile(bounds, [1, 0, 0, 9], 0.99)).toBe(5);
  });
});
