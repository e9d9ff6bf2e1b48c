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

/** Each step reads `bytes` in a cycle of `cycleMs` and then expects `collections` so far; `pauseMs` first sets how long collections take from then on. */
type Step = { bytes: number; cycleMs: number; collections: number; pauseMs?: number };

function expectSteps(bounds: GarbageBounds, initialPauseMs: number, steps: Step[]): void {
  const { garbage, seen, setPause } = harness(bounds, 1, initialPauseMs);
  for (const { bytes, cycleMs, collections, pauseMs } of steps) {
    if (pauseMs !== undefined) setPause(pauseMs);
    garbage.read(bytes, cycleMs);
    expect({ bytes, cycleMs, collections: seen.collections }).toEqual({ bytes, cycleMs, collections });
  }
}

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
    expectSteps(BYTES_ONLY, 5, [
      { bytes: 1_000, cycleMs: 0, collections: 1 },
      { bytes: 99, cycleMs: 0, collections: 1 },
      { bytes: 1, cycleMs: 0, collections: 2 },
    ]);
  });

  test("after `busyLimit` bytes, a cycle of at least busyFactor × the first pause collects; a shorter one waits for `limit`", () => {
    expectSteps({ limit: 100, busyLimit: 20, busyFactor: 8 }, 5, [
      { bytes: 30, cycleMs: 39.9, collections: 0 },
      { bytes: 10, cycleMs: 40, collections: 1 },
      // Below busyLimit no cycle is long enough.
      { bytes: 10, cycleMs: 1_000, collections: 1 },
    ]);
  });

  test("the pause it measures sets how long a busy cycle must be", () => {
    expectSteps({ limit: 1_000, busyLimit: 10, busyFactor: 8 }, 5, [
      { bytes: 10, cycleMs: 40, collections: 1, pauseMs: 2 },
      // That collection took 2 ms: a 16 ms cycle is now long enough.
      { bytes: 10, cycleMs: 16, collections: 2 },
      { bytes: 10, cycleMs: 16, collections: 3, pauseMs: 10 },
      // That one took 10 ms: 16 ms no longer is, 80 ms is.
      { bytes: 10, cycleMs: 79, collections: 3 },
      { bytes: 10, cycleMs: 80, collections: 4 },
    ]);
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
