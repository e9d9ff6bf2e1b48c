import type { Logger } from "../log/logger.ts";
import { codePagesText, ExecutablePages } from "../runtime/code-pages.ts";
import { governSchedulerSlice, requestSchedulerSlice, type SliceOutcome, schedulerSliceText, sliceSwitchText } from "../runtime/scheduler-slice.ts";

/** What a role has asked of the system by the time it listens. */
export interface Readiness {
  slice: SliceOutcome;
  /** Bytes of the executable that were resident when it let them go. */
  unmapped: number;
  /** Its pages, to let go again while serving; null where there are none to. */
  pages: ExecutablePages | null;
  /** How often to let them go again (--code-pages-interval); null: never. */
  codePagesMs: number | null;
}

/**
 * Once a role is ready to listen: asks for its scheduler slice, then unmaps
 * the executable's pages that only starting it ran (asking first, so the
 * request's own code goes too). Every role calls it just before its
 * listening line.
 */
export function readyToServe(sliceUs: number | null, codePagesMs: number | null): Readiness {
  const slice = requestSchedulerSlice(sliceUs);
  const pages = ExecutablePages.find();
  return { slice, unmapped: pages?.release() ?? 0, pages, codePagesMs };
}

/**
 * After the listening line, which stays the first on stderr: says at debug
 * level what {@link readyToServe} did, keeps unmapping the executable's
 * pages as the run goes on, and governs the slice from then on, saying so at
 * each switch.
 */
export function serving({ slice, unmapped, pages, codePagesMs }: Readiness, log: Logger): void {
  if (pages !== null && codePagesMs !== null) pages.keepReleasing(codePagesMs);
  log.debug(codePagesText(unmapped, pages === null ? null : codePagesMs));
  log.debug(schedulerSliceText(slice));
  governSchedulerSlice(slice, (...change) => log.debug(sliceSwitchText(...change)));
}
