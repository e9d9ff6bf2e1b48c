import { describe, expect, test } from "bun:test";
import { GapWatch } from "./gap-watch.ts";

describe("GapWatch", () => {
  test("ticks at a quarter of the timeout", () => {
    expect(new GapWatch(1000).tickMs).toBe(250);
    expect(new GapWatch(2).tickMs).toBe(1);
  });

  test("skips only after the expected number has not moved for the whole timeout while events are held", () => {
    const watch = new GapWatch(100);
    expect(watch.tick(0, 5, 3)).toBe(false);
    expect(watch.tick(50, 5, 3)).toBe(false);
    expect(watch.tick(99, 5, 3)).toBe(false);
    expect(watch.tick(100, 5, 3)).toBe(true);
  });

  test("progress restarts the clock", () => {
    const watch = new GapWatch(100);
    watch.tick(0, 5, 3);
    expect(watch.tick(90, 6, 3)).toBe(false);
    expect(watch.tick(180, 6, 3)).toBe(false);
    expect(watch.tick(190, 6, 3)).toBe(true);
  });

  test("an empty reorder buffer is not a gap, however long it lasts", () => {
    const watch = new GapWatch(100);
    expect(watch.tick(0, 5, 0)).toBe(false);
    expect(watch.tick(1_000, 5, 0)).toBe(false);
    // Held events appear: the clock starts now, not at the last tick.
    expect(watch.tick(1_050, 5, 1)).toBe(false);
    expect(watch.tick(1_149, 5, 1)).toBe(false);
    expect(watch.tick(1_150, 5, 1)).toBe(true);
  });

  test("after a skip the next stall is timed afresh", () => {
    const watch = new GapWatch(100);
    watch.tick(0, 5, 2);
    expect(watch.tick(100, 5, 2)).toBe(true);
    expect(watch.tick(110, 9, 1)).toBe(false);
    expect(watch.tick(200, 9, 1)).toBe(false);
    expect(watch.tick(210, 9, 1)).toBe(true);
  });
});
