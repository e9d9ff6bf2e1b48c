import { describe, expect, test } from "bun:test";
import { compilerCpuNs, compilerIdle } from "./compiler-idle.ts";

const OPTIONS = { maxMs: 100, quietMs: 10, pollMs: 2 };

/** A clock that only moves when the wait sleeps, and a probe that reads `cpu` at each moment. */
function simulated(cpu: (ms: number) => number) {
  let now = 0;
  return {
    probe: () => cpu(now),
    clock: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
  };
}

describe("compilerIdle", () => {
  test("returns once the compiler threads' CPU has not moved for quietMs", async () => {
    // Busy until 30 ms, then idle: the poll at 30 is the last to see a change, so it is done at 40.
    const { probe, clock, sleep } = simulated((ms) => Math.min(ms, 30) * 1e6);
    expect(await compilerIdle(OPTIONS, probe, clock, sleep)).toBe(40);
  });

  test("returns after quietMs when nothing is compiling at all", async () => {
    const { probe, clock, sleep } = simulated(() => 5e6);
    expect(await compilerIdle(OPTIONS, probe, clock, sleep)).toBe(10);
  });

  test("gives up after maxMs while compiling goes on", async () => {
    const { probe, clock, sleep } = simulated((ms) => ms * 1e6);
    expect(await compilerIdle(OPTIONS, probe, clock, sleep)).toBe(100);
  });

  test("a sum that drops (a compiler thread ended) counts as a change, not as idle", async () => {
    // 7 ms of CPU, then a thread with 4 of it ends at 6 ms: quiet only from the poll after that (6), done at 16.
    const { probe, clock, sleep } = simulated((ms) => (ms < 6 ? 7e6 : 3e6));
    expect(await compilerIdle(OPTIONS, probe, clock, sleep)).toBe(16);
  });
});

describe("compilerCpuNs", () => {
  test("sees JSC's compiler threads work when hot code gets optimized (Linux /proc)", async () => {
    const before = compilerCpuNs();
    // A function new to this process, run until JSC compiles it with its optimizing tiers.
    const hot = new Function("n", "let s = 0; for (let i = 0; i < n; i++) s = (s + i * 7) % 1000003; return s;") as (n: number) => number;
    let sum = 0;
    for (let round = 0; round < 2000; round++) sum += hot(1000);
    await Bun.sleep(50);
    expect(sum).toBeGreaterThan(0);
    expect(compilerCpuNs()).toBeGreaterThan(before);
  });
});
