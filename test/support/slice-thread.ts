/** A thread that asks for a scheduler slice of its own (see scheduler-slice.test.ts) and reports what it got. */
import { getPriority, setPriority } from "node:os";
import { governSchedulerSlice, requestSchedulerSlice, sliceOf, threadSlice } from "../../src/runtime/scheduler-slice.ts";

declare const self: Worker;

export interface SliceThreadRequest {
  microseconds: number | null;
  nice: number;
  /** Also govern the slice, with a run time that reads saturated until the first switch and idle after it. */
  govern: boolean;
}

self.onmessage = (event: MessageEvent<SliceThreadRequest>) => {
  const { microseconds, nice, govern } = event.data;
  // On Linux, nice is per thread: 0 names this one.
  setPriority(0, nice);
  const outcome = requestSchedulerSlice(microseconds);
  // A process started from here, as a thread started from here would be.
  const child = sliceOf(Bun.spawnSync(["cat", "/proc/self/sched"]).stdout.toString());
  const reply = { ...outcome, nice: getPriority(0), childSliceNs: child, switches: [] as { short: boolean; busy: number; sliceNs: number | null }[] };
  if (!govern) {
    self.postMessage(reply);
    return;
  }
  let clock = 0;
  let ran = 0;
  const tick = () => {
    clock += 100;
    ran += reply.switches.length === 0 ? 100e6 : 0;
  };
  governSchedulerSlice(
    outcome,
    (short, busy) => {
      reply.switches.push({ short, busy, sliceNs: threadSlice() });
      if (reply.switches.length === 2) self.postMessage(reply);
    },
    () => ran,
    () => {
      tick();
      return clock;
    },
  );
};
