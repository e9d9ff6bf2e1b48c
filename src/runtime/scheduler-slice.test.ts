import { describe, expect, test } from "bun:test";
import { kernelTakesSlices } from "../../test/support/kernel.ts";
import type { SliceThreadRequest } from "../../test/support/slice-thread.ts";
import { runTimeOf, type SliceOutcome, schedulerSliceText, sliceOf, sliceSwitchText } from "./scheduler-slice.ts";

const SCHED = `bun (4242, #threads: 9)
-------------------------------------------------------------------
se.exec_start                                :       4866385.390116
se.vruntime                                  :         69714.282003
se.sum_exec_runtime                          :            42.618302
se.nr_migrations                             :                    3
se.slice                                     :              1400000
nr_switches                                  :                   25
policy                                       :                    0
prio                                         :                  120
`;

type SliceThreadReply = SliceOutcome & { nice: number; childSliceNs: number | null; switches: { short: boolean; busy: number; sliceNs: number | null }[] };

/** Runs the request on a thread of its own, so the test runner's keeps its slice. */
async function onFreshThread(request: Partial<SliceThreadRequest>): Promise<SliceThreadReply> {
  const worker = new Worker(new URL("../../test/support/slice-thread.ts", import.meta.url).href);
  try {
    const reply = new Promise<SliceThreadReply>((resolve, reject) => {
      worker.onmessage = (event) => resolve(event.data);
      worker.onerror = (event) => reject(new Error(event.message));
    });
    worker.postMessage({ microseconds: 250, nice: 0, govern: false, ...request });
    return await reply;
  } finally {
    worker.terminate();
  }
}

describe("sliceOf", () => {
  test("reads the slice, in ns, from a thread's sched file", () => {
    expect(sliceOf(SCHED)).toBe(1_400_000);
  });

  test("is null where the kernel shows none (before Linux 6.6, or the idle policy)", () => {
    expect(sliceOf(SCHED.replace(/^se\.slice.*\n/m, ""))).toBeNull();
    expect(sliceOf("")).toBeNull();
  });
});

describe("requestSchedulerSlice", () => {
  test.if(process.platform === "linux")(
    "gives the calling thread the slice asked for, from Linux 6.12 on, keeps its nice value, and leaves what it starts the kernel's",
    async () => {
      const outcome = await onFreshThread({ nice: 5 });
      expect(outcome.beforeNs).toBeGreaterThan(0);
      expect(outcome.nice).toBe(5);
      expect(outcome.childSliceNs).toBe(outcome.beforeNs);
      if (kernelTakesSlices()) {
        expect(outcome.afterNs).toBe(250_000);
        expect(schedulerSliceText(outcome)).toBe(
          `scheduler slice 250 µs for the thread that serves the sockets (the kernel's default here: ${Math.round((outcome.beforeNs as number) / 1000)} µs)`,
        );
      } else {
        expect(outcome.afterNs).toBe(outcome.beforeNs);
      }
    },
  );

  test.if(process.platform === "linux")("off leaves the thread's slice as it was", async () => {
    const outcome = await onFreshThread({ microseconds: null });
    expect(outcome.afterNs).toBe(outcome.beforeNs);
  });
});

describe("governSchedulerSlice", () => {
  test.if(kernelTakesSlices())("gives the thread the kernel's slice while it is saturated, and its own again once it has room", async () => {
    const { beforeNs, switches } = await onFreshThread({ govern: true });
    expect(switches).toEqual([
      { short: false, busy: 1, sliceNs: beforeNs },
      { short: true, busy: 0, sliceNs: 250_000 },
    ]);
  });

  test("says what it switched to, and why", () => {
    expect(sliceSwitchText(false, 0.973, 100)).toBe("busy 97% of the last 100 ms: the kernel's own scheduler slice while saturated");
    expect(sliceSwitchText(true, 0.42, 100)).toBe("busy 42% of the last 100 ms: the 100 µs scheduler slice again");
  });
});

describe("runTimeOf", () => {
  test("reads a thread's time on a CPU, in ns, from its schedstat", () => {
    expect(runTimeOf("4866385390116 12345 25\n")).toBe(4_866_385_390_116);
    expect(runTimeOf("")).toBeNull();
  });
});

describe("schedulerSliceText", () => {
  test("says what the kernel did with the request", () => {
    expect(schedulerSliceText({ requestedUs: 100, beforeNs: 1_400_000, afterNs: 100_000 })).toBe(
      "scheduler slice 100 µs for the thread that serves the sockets (the kernel's default here: 1400 µs)",
    );
    expect(schedulerSliceText({ requestedUs: 100, beforeNs: 2_800_000, afterNs: 2_800_000 })).toBe(
      "scheduler slice: asked for 100 µs, the kernel keeps 2800 µs (a slice of one's own needs Linux 6.12; a real-time policy keeps its own)",
    );
    expect(schedulerSliceText({ requestedUs: null, beforeNs: 1_400_000, afterNs: 1_400_000 })).toBe(
      "scheduler slice: the kernel's own, 1400 µs (--scheduler-slice off)",
    );
    expect(schedulerSliceText({ requestedUs: 100, beforeNs: null, afterNs: null })).toBe("scheduler slice: the kernel's own (it shows none for this thread)");
  });
});
