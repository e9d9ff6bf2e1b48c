import { describe, expect, test } from "bun:test";
import { type GarbageBounds, READ_GARBAGE, ReadGarbage } from "./read-garbage.ts";

/** A ReadGarbage on a fake clock whose collections each take `pauseMs`. */
function harness(bounds: GarbageBounds, pauseMs = 1, initialPauseMs?: number) {
  let now = 0;
  const seen = { collections: 0 };
  const garbage = new ReadGarbage(
    bounds,
    () => {
      seen.collections++;
      now += pauseMs;
    },
    () => now,
    initialPauseMs,
  );
  return { garbage, seen, setPause: (ms: number) => (pauseMs = ms) };
}

/** Only the byte bound: no cycle is ever long enough to collect early. */
const BYTES_ONLY: GarbageBounds = { limit: 100, busyLimit: 100, busyFactor: 8 };

describe("ReadGarbage", () => {
  test("collects once every `limit` bytes read, however the reads are cut", () => {
    const { garbage, seen } = harness(BYTES_ONLY);
    garbage.read(99, 0);
    expect(seen.collections).toBe(0);
    garbage.read(1, 0);
    expect(seen.collections).toBe(1);
    for (let i = 0; i < 30; i++) garbage.read(10, 0);
    expect(seen.collections).toBe(4);
  });

  test("one read larger than the limit collects once, and the count starts again from nothing", () => {
    const { garbage, seen } = harness(BYTES_ONLY);
    garbage.read(1_000, 0);
    expect(seen.collections).toBe(1);
    garbage.read(99, 0);
    expect(seen.collections).toBe(1);
    garbage.read(1, 0);
    expect(seen.collections).toBe(2);
  });

  test("after `busyLimit` bytes, a cycle of at least busyFactor × the first pause collects; a shorter one waits for `limit`", () => {
    const { garbage, seen } = harness({ limit: 100, busyLimit: 20, busyFactor: 8 }, 1, 5);
    garbage.read(30, 39.9);
    expect(seen.collections).toBe(0);
    garbage.read(10, 40);
    expect(seen.collections).toBe(1);
    // Below busyLimit no cycle is long enough.
    garbage.read(10, 1_000);
    expect(seen.collections).toBe(1);
  });

  test("the pause it measures sets how long a busy cycle must be", () => {
    const { garbage, seen, setPause } = harness({ limit: 1_000, busyLimit: 10, busyFactor: 8 }, 2, 5);
    garbage.read(10, 40);
    expect(seen.collections).toBe(1);
    // That collection took 2 ms: a 16 ms cycle is now long enough.
    garbage.read(10, 16);
    expect(seen.collections).toBe(2);
    setPause(10);
    garbage.read(10, 16);
    expect(seen.collections).toBe(3);
    // That one took 10 ms: 16 ms no longer is, 80 ms is.
    garbage.read(10, 79);
    expect(seen.collections).toBe(3);
    garbage.read(10, 80);
    expect(seen.collections).toBe(4);
  });

  test("the event port's bounds: busy cycles collect from a quarter of the byte bound on", () => {
    expect(READ_GARBAGE.busyLimit).toBeLessThan(READ_GARBAGE.limit);
    const { garbage, seen } = harness(READ_GARBAGE, 5);
    const read = 64 * 1024;
    // 100 clients at full speed: cycles shorter than 8 pauses collect only at the byte bound.
    for (let bytes = 0; bytes < READ_GARBAGE.limit; bytes += read) garbage.read(read, 20);
    expect(seen.collections).toBe(1);
    // 10,000 clients: 100 ms cycles collect once busyLimit is read.
    for (let bytes = 0; bytes < READ_GARBAGE.limit; bytes += read) garbage.read(read, 100);
    expect(seen.collections).toBe(1 + READ_GARBAGE.limit / READ_GARBAGE.busyLimit);
  });
});
