import type { Logger } from "../log/logger.ts";
import { governSchedulerSlice, type SliceOutcome, schedulerSliceText, sliceSwitchText } from "../runtime/scheduler-slice.ts";

/** Once a role listens: says at debug level what its slice request did, and governs the slice from then on, saying so at each switch. */
export function governSlice(slice: SliceOutcome, log: Logger): void {
  log.debug(schedulerSliceText(slice));
  governSchedulerSlice(slice, (...change) => log.debug(sliceSwitchText(...change)));
}
