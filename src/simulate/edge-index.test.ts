import { describe, expect, test } from "bun:test";
import { EdgeIndex } from "./edge-index.ts";
import { Prng } from "./prng.ts";

describe("EdgeIndex", () => {
  test.each([10, 1000, 10_000_000])("agrees with a Map through growth and backward-shift deletes (%p users)", (users) => {
    const index = new EdgeIndex();
    const model = new Map<string, number>();
    const prng = new Prng(users);
    const pairs: [number, number][] = [];
    for (let step = 0; step < 30_000; step++) {
      const reuse = pairs.length > 0 && prng.chance(0.6);
      const [from, to] = reuse ? (pairs[prng.int(pairs.length)] as [number, number]) : [prng.range(1, users), prng.range(1, users)];
      if (!reuse) pairs.push([from, to]);
      const key = `${from},${to}`;
      if (prng.chance(0.35)) {
        index.delete(from, to);
        model.delete(key);
      } else {
        const position = prng.int(1000);
        index.set(from, to, position);
        model.set(key, position);
      }
      expect(index.size).toBe(model.size);
    }
    for (const [from, to] of pairs) expect(index.get(from, to)).toBe(model.get(`${from},${to}`) ?? -1);
  });
});
