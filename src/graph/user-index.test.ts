import { describe, expect, test } from "bun:test";
import { Prng } from "../simulate/prng.ts";
import { UserIndex } from "./user-index.ts";

describe("UserIndex", () => {
  test("hands out dense indices in order of first sight", () => {
    const users = new UserIndex();
    expect(users.size).toBe(0);
    expect(users.intern(50)).toBe(0);
    expect(users.intern(7)).toBe(1);
    expect(users.intern(50)).toBe(0);
    expect(users.intern(0)).toBe(2);
    expect(users.intern(2147483647)).toBe(3);
    expect(users.size).toBe(4);
    expect([0, 1, 2, 3].map((i) => users.idOf(i))).toEqual([50, 7, 0, 2147483647]);
  });

  test("lookup finds interned ids and returns -1 for others without interning them", () => {
    const users = new UserIndex();
    expect(users.lookup(0)).toBe(-1);
    expect(users.lookup(2147483647)).toBe(-1);
    users.intern(0);
    users.intern(12);
    expect(users.lookup(0)).toBe(0);
    expect(users.lookup(12)).toBe(1);
    expect(users.lookup(13)).toBe(-1);
    expect(users.size).toBe(2);
  });

  test.each([1, 16, 1024])("consecutive ids through many rehashes (initial capacity %p)", (capacity) => {
    const users = new UserIndex(capacity);
    for (let id = 0; id < 5000; id++) expect(users.intern(id)).toBe(id);
    for (let id = 0; id < 5000; id++) {
      expect(users.lookup(id)).toBe(id);
      expect(users.idOf(id)).toBe(id);
    }
    expect(users.lookup(5000)).toBe(-1);
    expect(users.size).toBe(5000);
  });

  test("100k random ids including 0 and 2^31-1 keep dense, stable indices across growth", () => {
    const prng = new Prng(0xdecade);
    const users = new UserIndex(4);
    const reference = new Map<number, number>();
    const ids = [0, 2147483647];
    for (let i = 0; i < 100_000; i++) ids.push(prng.int(2 ** 31));
    // Plenty of repeats too.
    for (let i = 0; i < 20_000; i++) ids.push(ids[prng.int(ids.length)]);
    const expected: number[] = [];
    const got: number[] = [];
    for (const id of ids) {
      const index = reference.get(id) ?? reference.size;
      if (!reference.has(id)) reference.set(id, index);
      expected.push(index);
      got.push(users.intern(id));
    }
    expect(got).toEqual(expected);
    expect(users.size).toBe(reference.size);
    const entries = [...reference];
    expect(entries.map(([id]) => users.lookup(id))).toEqual(entries.map(([, index]) => index));
    expect(entries.map(([, index]) => users.idOf(index))).toEqual(entries.map(([id]) => id));
    // Ids never interned are not found.
    let misses = 0;
    while (misses < 1000) {
      const id = prng.int(2 ** 31);
      if (reference.has(id)) continue;
      expect(users.lookup(id)).toBe(-1);
      misses++;
    }
    expect(users.size).toBe(reference.size);
  });

  test("ids that collide in the low bits or share hash slots are kept apart", () => {
    const users = new UserIndex(1);
    // Multiples of a large power of two stress the multiplicative hash's high bits.
    const ids = Array.from({ length: 2048 }, (_, i) => (i * 2 ** 20) % 2 ** 31);
    const unique = [...new Set(ids)];
    for (const [i, id] of unique.entries()) expect(users.intern(id)).toBe(i);
    for (const [i, id] of unique.entries()) expect(users.lookup(id)).toBe(i);
    expect(users.size).toBe(unique.length);
  });
});
