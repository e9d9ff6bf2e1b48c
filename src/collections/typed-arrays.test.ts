import { describe, expect, test } from "bun:test";
import { Bytes, copyBytes, copyWords, grownCapacity, resized } from "./typed-arrays.ts";

describe("resized", () => {
  test("keeps the type and the elements, zero beyond them", () => {
    const grown = resized(Int32Array.from([1, -2, 3]), 6);
    expect(grown).toBeInstanceOf(Int32Array);
    expect([...grown]).toEqual([1, -2, 3, 0, 0, 0]);
    expect([...resized(Float64Array.from([0.5, 2 ** 53]), 3)]).toEqual([0.5, 2 ** 53, 0]);
    expect(resized(Uint8Array.from([255]), 2)).toEqual(Uint8Array.from([255, 0]));
  });

  test("keeps only the first `keep` elements, by loop or by set", () => {
    const small = Int32Array.from({ length: 10 }, (_, i) => i + 1);
    expect([...resized(small, 8, 3)]).toEqual([1, 2, 3, 0, 0, 0, 0, 0]);
    const large = Int32Array.from({ length: 1000 }, (_, i) => i + 1);
    const kept = resized(large, 2000, 700);
    expect(kept.length).toBe(2000);
    expect([kept[0], kept[699], kept[700]]).toEqual([1, 700, 0]);
  });

  test("shrinks, keeping what fits", () => {
    expect([...resized(Int32Array.from([1, 2, 3, 4]), 2)]).toEqual([1, 2]);
    expect([...resized(Int32Array.from([1, 2, 3, 4]), 4, 1)]).toEqual([1, 0, 0, 0]);
  });

  test("never shares memory with the original", () => {
    const original = Int32Array.from([1, 2]);
    const copy = resized(original, 2);
    copy[0] = 9;
    expect(original[0]).toBe(1);
  });
});

describe("grownCapacity", () => {
  test("doubles from the current capacity until the need fits", () => {
    expect([grownCapacity(16, 17), grownCapacity(16, 16), grownCapacity(16, 100), grownCapacity(1024, 1025)]).toEqual([32, 16, 128, 2048]);
  });

  test("starts at the minimum, even from empty", () => {
    expect([grownCapacity(0, 1), grownCapacity(0, 20), grownCapacity(0, 3, 4), grownCapacity(0, 1, 0)]).toEqual([16, 32, 4, 1]);
  });
});

describe("copyBytes", () => {
  test.each([0, 1, 63, 64, 65, 1000])("copies exactly a %p-byte range, by loop or by set, and returns its end", (length) => {
    const src = Uint8Array.from({ length: length + 10 }, (_, i) => (i * 7 + 1) % 256);
    const dst = new Uint8Array(length + 6).fill(0xee);
    expect(copyBytes(src, 5, 5 + length, dst, 3)).toBe(3 + length);
    expect(dst.subarray(3, 3 + length)).toEqual(src.subarray(5, 5 + length));
    expect([...dst.subarray(0, 3), ...dst.subarray(3 + length)]).toEqual([0xee, 0xee, 0xee, 0xee, 0xee, 0xee]);
  });
});

describe("copyWords", () => {
  test.each([0, 1, 3, 4, 5, 7, 8, 9, 255, 256, 257, 1000])("copies exactly %p bytes between unaligned offsets, by bytes, words or set", (length) => {
    const src = new Bytes(Uint8Array.from({ length: length + 10 }, (_, i) => (i * 7 + 1) % 256));
    const dst = new Bytes(new Uint8Array(length + 6).fill(0xee));
    expect(copyWords(src, 5, 5 + length, dst, 3)).toBe(3 + length);
    expect(dst.array.subarray(3, 3 + length)).toEqual(src.array.subarray(5, 5 + length));
    expect([...dst.array.subarray(0, 3), ...dst.array.subarray(3 + length)]).toEqual([0xee, 0xee, 0xee, 0xee, 0xee, 0xee]);
  });

  test("a Bytes over part of a buffer reads and writes only that part", () => {
    const whole = Uint8Array.from({ length: 32 }, (_, i) => i);
    const src = new Bytes(whole.subarray(8, 24));
    const target = new Uint8Array(24).fill(0xee);
    const dst = new Bytes(target.subarray(4, 20));
    expect(src.length).toBe(16);
    expect(copyWords(src, 1, 14, dst, 2)).toBe(15);
    expect([...target.subarray(6, 19)]).toEqual(Array.from({ length: 13 }, (_, i) => 9 + i));
    expect([...target.subarray(0, 6), ...target.subarray(19)]).toEqual(Array(11).fill(0xee));
  });
});
