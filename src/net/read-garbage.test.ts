import { describe, expect, test } from "bun:test";
import { ReadGarbage } from "./read-garbage.ts";

describe("ReadGarbage", () => {
  test("collects once every `limit` bytes read, however the reads are cut", () => {
    let collections = 0;
    const garbage = new ReadGarbage(100, () => collections++);
    garbage.read(99);
    expect(collections).toBe(0);
    garbage.read(1);
    expect(collections).toBe(1);
    for (let i = 0; i < 30; i++) garbage.read(10);
    expect(collections).toBe(4);
  });

  test("one read larger than the limit collects once, and the count starts again from nothing", () => {
    let collections = 0;
    const garbage = new ReadGarbage(100, () => collections++);
    garbage.read(1_000);
    expect(collections).toBe(1);
    garbage.read(99);
    expect(collections).toBe(1);
    garbage.read(1);
    expect(collections).toBe(2);
  });
});
