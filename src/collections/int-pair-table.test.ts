import { describe, expect, test } from "bun:test";
import { Prng } from "../simulate/prng.ts";
import { IntPairTable } from "./int-pair-table.ts";

describe("IntPairTable", () => {
  test("stores, finds, replaces and removes pairs", () => {
    const table = new IntPairTable(4);
    expect(table.get(1, 2)).toBe(-1);
    expect(table.putIfAbsent(1, 2, 10)).toBe(-1);
    expect(table.putIfAbsent(2, 1, 20)).toBe(-1);
    expect(table.putIfAbsent(1, 2, 99)).toBe(10);
    expect([table.get(1, 2), table.get(2, 1), table.get(1, 1), table.size]).toEqual([10, 20, -1, 2]);
    table.replace(1, 2, 11);
    expect(table.get(1, 2)).toBe(11);
    expect(table.remove(1, 2)).toBe(11);
    expect(table.remove(1, 2)).toBe(-1);
    expect([table.get(1, 2), table.get(2, 1), table.size]).toEqual([-1, 20, 1]);
  });

  test("the extremes of both keys", () => {
    const table = new IntPairTable();
    const max = 2 ** 31 - 1;
    for (const [a, b] of [
      [0, 0],
      [max, max],
      [0, -1],
      [max, -(2 ** 31)],
    ])
      table.putIfAbsent(a, b, a === 0 ? 1 : 2);
    expect([table.get(0, 0), table.get(max, max), table.get(0, -1), table.get(max, -(2 ** 31)), table.get(1, 0)]).toEqual([1, 2, 1, 2, -1]);
  });

  test.each([1, 2, 3])("agrees with a Map through growth, removals and re-insertions (seed %p)", (seed) => {
    const prng = new Prng(seed);
    const table = new IntPairTable(1);
    const reference = new Map<string, number>();
    // Few distinct keys so that chains collide, removals shift entries back, and keys come back.
    for (let i = 0; i < 20_000; i++) {
      const a = prng.int(200);
      const b = prng.int(20);
      const key = `${a},${b}`;
      const op = prng.int(3);
      if (op === 0) {
        expect(table.putIfAbsent(a, b, i)).toBe(reference.get(key) ?? -1);
        if (!reference.has(key)) reference.set(key, i);
      } else if (op === 1) {
        expect(table.remove(a, b)).toBe(reference.get(key) ?? -1);
        reference.delete(key);
      } else {
        expect(table.get(a, b)).toBe(reference.get(key) ?? -1);
      }
    }
    expect(table.size).toBe(reference.size);
    for (const [key, value] of reference) {
      const [a, b] = key.split(",").map(Number);
      expect(table.get(a, b)).toBe(value);
    }
  });
});
