/** A thread that asks for a scheduler slice of its own (see scheduler-slice.test.ts) and reports what it got. */
import { getPriority, setPriority } from "node:os";
import { requestSchedulerSlice } from "../../src/runtime/scheduler-slice.ts";

declare const self: Worker;

// On Linux, nice is per thread: 0 names this one.
self.onmessage = (event: MessageEvent<{ microseconds: number | null; nice: number }>) => {
  setPriority(0, event.data.nice);
  const outcome = requestSchedulerSlice(event.data.microseconds);
  self.postMessage({ ...outcome, nice: getPriority(0) });
};
