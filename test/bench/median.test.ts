import { describe, expect, test } from "bun:test";
import { median } from "./median.ts";

describe("median", () => {
  test("the middle value of an odd count, whatever the order", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([5])).toBe(5);
    expect(median([9, -1, 4, 4, 0])).toBe(4);
  });

  test("the mean of the middle two of an even count", () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([1.5, 0.5])).toBe(1);
  });

  test("numbers compare as numbers, not as strings, and the input is left as it was", () => {
    const values = [10, 9, 100];
    expect(median(values)).toBe(10);
    expect(values).toEqual([10, 9, 100]);
  });

  test("no values: NaN", () => {
    expect(median([])).toBeNaN();
  });
});
