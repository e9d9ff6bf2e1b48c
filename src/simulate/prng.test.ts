import { describe, expect, test } from "bun:test";
import { Prng } from "./prng.ts";

describe("Prng.int", () => {
  test("draws what flooring next() · n draws, for every n of the int32 path and around its bounds", () => {
    const ns = Array.from({ length: 0x8000 }, (_, n) => n);
    ns.push(0x8000, 0x8001, 0xffff, 0x10000, 2 ** 31 - 1, 2 ** 31, 2 ** 40);
    const a = new Prng(123);
    const b = new Prng(123);
    for (const n of ns) {
      for (let k = 0; k < 4; k++) expect(a.int(n)).toBe(Math.floor(b.next() * n));
    }
  });
});

describe("Prng.chance", () => {
  test("is next() < p, draw for draw", () => {
    const a = new Prng(99);
    const b = new Prng(99);
    for (const p of [0, 2 ** -32, 1e-9, 0.1, 0.5, 0.9, 1 - 2 ** -32, 1, 2, -1, Number.NaN]) {
      for (let k = 0; k < 2000; k++) expect(a.chance(p)).toBe(b.next() < p);
    }
  });
});
