import { describe, expect, test } from "bun:test";
import { ByteBuilder, DECIMAL_SPILL, Int32Builder, Int32Queue, writeDecimal } from "./growable.ts";
import { Prng } from "./prng.ts";

const decoder = new TextDecoder();
const text = (bytes: Uint8Array) => decoder.decode(bytes);

describe("ByteBuilder", () => {
  test("starts empty: length 0, empty view and finish", () => {
    const b = new ByteBuilder();
    expect(b.length).toBe(0);
    expect(b.view().length).toBe(0);
    expect(b.finish()).toEqual(new Uint8Array(0));
  });

  test("byte, bytes and ascii append in order", () => {
    const b = new ByteBuilder();
    b.byte(0x41);
    b.bytes(Uint8Array.of(0x42, 0x43));
    b.ascii("|xyz\r\n");
    expect(b.length).toBe(9);
    expect(text(b.finish())).toBe("ABC|xyz\r\n");
  });

  test("bytes copies only [start, end) of the source", () => {
    const b = new ByteBuilder();
    const source = new TextEncoder().encode("##hello##");
    b.bytes(source, 2, 7);
    b.bytes(source, 0, 0);
    b.bytes(source, 7);
    expect(text(b.finish())).toBe("hello##");
  });

  test.each([
    [0, "0"],
    [9, "9"],
    [10, "10"],
    [99, "99"],
    [100, "100"],
    [2 ** 31 - 1, "2147483647"],
  ])("decimal(%p) writes %p", (value, expected) => {
    const b = new ByteBuilder();
    b.ascii("<");
    b.decimal(value);
    b.ascii(">");
    expect(text(b.finish())).toBe(`<${expected}>`);
  });

  test("decimal matches String() for random values up to 2^31-1", () => {
    const prng = new Prng(11);
    const b = new ByteBuilder(16);
    let expected = "";
    for (let i = 0; i < 2000; i++) {
      // Spread over every digit count, not just the top of the range.
      const value = Math.floor(prng.next() * 10 ** prng.range(0, 10)) % 2 ** 31;
      b.decimal(value);
      b.byte(0x2c);
      expected += `${value},`;
    }
    expect(text(b.finish())).toBe(expected);
  });

  test("decimal matches String() for every value below 100,000 and at each power of ten", () => {
    // Every value of the looked-up groups below 10,000, and each way a larger number splits into four-digit groups.
    const values = Array.from({ length: 100_000 }, (_, i) => i);
    for (let k = 5; k <= 9; k++) values.push(10 ** k - 1, 10 ** k, 10 ** k + 1);
    values.push(2 ** 31 - 1);
    const b = new ByteBuilder();
    for (const value of values) {
      b.decimal(value);
      b.byte(0x2c);
    }
    expect(text(b.finish())).toBe(values.map((value) => `${value},`).join(""));
  });

  test("grows across capacity without losing bytes, one byte at a time", () => {
    // The minimum capacity is 16, so 1000 bytes cross several doublings.
    const b = new ByteBuilder(1);
    const expected = Uint8Array.from({ length: 1000 }, (_, i) => (i * 31 + 7) & 0xff);
    for (const value of expected) b.byte(value);
    expect(b.length).toBe(1000);
    expect(b.finish()).toEqual(expected);
  });

  test("grows for a block larger than double the capacity", () => {
    const b = new ByteBuilder(16);
    b.ascii("head");
    const block = Uint8Array.from({ length: 5000 }, (_, i) => i & 0xff);
    b.bytes(block);
    b.ascii("tail");
    const out = b.finish();
    expect(out.length).toBe(5008);
    expect(text(out.subarray(0, 4))).toBe("head");
    expect(out.subarray(4, 5004)).toEqual(block);
    expect(text(out.subarray(5004))).toBe("tail");
  });

  test("a decimal that straddles the capacity boundary is written whole", () => {
    for (let fill = 0; fill <= 16; fill++) {
      const b = new ByteBuilder(16);
      b.ascii("x".repeat(fill));
      b.decimal(2 ** 31 - 1);
      expect(text(b.finish())).toBe(`${"x".repeat(fill)}2147483647`);
    }
  });

  test("view covers [start, end) of what was written and shares storage until the next write", () => {
    const b = new ByteBuilder();
    b.ascii("abcdef");
    expect(text(b.view())).toBe("abcdef");
    expect(text(b.view(2))).toBe("cdef");
    expect(text(b.view(1, 3))).toBe("bc");
    const view = b.view();
    b.length = 0;
    b.ascii("XY");
    expect(text(view.subarray(0, 2))).toBe("XY");
  });

  test("finish copies: later writes do not change it, and it has exactly the written length", () => {
    const b = new ByteBuilder(64);
    b.ascii("1|B\r\n");
    const first = b.finish();
    b.length = 0;
    b.ascii("2|B\r\n");
    expect(first.length).toBe(5);
    expect(first.buffer.byteLength).toBe(5);
    expect(text(first)).toBe("1|B\r\n");
    expect(text(b.finish())).toBe("2|B\r\n");
  });

  test("resetting length reuses the storage from the start", () => {
    const b = new ByteBuilder();
    b.ascii("long first content");
    b.length = 0;
    b.ascii("short");
    expect(text(b.finish())).toBe("short");
  });
});

describe("writeDecimal", () => {
  test("stores nothing before the number and at most DECIMAL_SPILL bytes after it", () => {
    const data = new Uint8Array(32);
    const view = new DataView(data.buffer);
    for (const value of [0, 7, 42, 999, 1000, 12_345, 9_999_999, 10_000_000, 123_456_789, 2 ** 31 - 1]) {
      data.fill(0xee);
      const end = writeDecimal(view, 8, value);
      expect(end - 8).toBe(String(value).length);
      expect(text(data.subarray(8, end))).toBe(String(value));
      expect(data.subarray(0, 8).every((byte) => byte === 0xee)).toBe(true);
      expect(data.subarray(end + DECIMAL_SPILL).every((byte) => byte === 0xee)).toBe(true);
    }
  });
});

describe("Int32Builder", () => {
  test("reserve grows to fit n more values after length and keeps those pushed", () => {
    const b = new Int32Builder(4);
    for (let i = 0; i < 3; i++) b.push(i);
    const data = b.reserve(100);
    expect(data.length).toBeGreaterThanOrEqual(103);
    expect(Array.from(data.subarray(0, 3))).toEqual([0, 1, 2]);
    expect(b.reserve(10)).toBe(data);
    data[3] = 7;
    b.length = 4;
    b.push(8);
    expect(Array.from(b.buffer.subarray(0, b.length))).toEqual([0, 1, 2, 7, 8]);
  });

  test("starts empty", () => {
    expect(new Int32Builder().finish()).toEqual(new Int32Array(0));
  });

  test("keeps every value in order across many doublings", () => {
    const b = new Int32Builder(1);
    const prng = new Prng(3);
    const expected: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const value = prng.range(-(2 ** 31), 2 ** 31 - 1);
      b.push(value);
      expected.push(value);
    }
    expect(b.length).toBe(5000);
    expect(Array.from(b.finish())).toEqual(expected);
  });

  test("finish returns a copy of exactly the pushed length", () => {
    const b = new Int32Builder(100);
    b.push(7);
    b.push(-1);
    const out = b.finish();
    b.push(9);
    expect(out).toEqual(Int32Array.of(7, -1));
    expect(out.buffer.byteLength).toBe(8);
    expect(b.finish()).toEqual(Int32Array.of(7, -1, 9));
  });
});

describe("Int32Queue", () => {
  test("first in, first out, across growth and wrap-around, against an array", () => {
    const queue = new Int32Queue();
    const model: number[] = [];
    const prng = new Prng(5);
    for (let step = 0; step < 20_000; step++) {
      if (model.length > 0 && prng.chance(0.45)) {
        expect(queue.peek()).toBe(model[0] as number);
        expect(queue.shift()).toBe(model.shift() as number);
      } else {
        const value = prng.range(-1000, 1000);
        queue.push(value);
        model.push(value);
      }
      expect(queue.length).toBe(model.length);
    }
    while (model.length > 0) expect(queue.shift()).toBe(model.shift() as number);
    expect(queue.length).toBe(0);
  });
});
