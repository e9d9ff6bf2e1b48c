import { readdirSync, readFileSync } from "node:fs";

/** The name JSC gives its compiler threads, as /proc shows it. */
const COMPILER_THREAD = "JITWorker";

/**
 * Nanoseconds of CPU that this process's JSC compiler threads have used so
 * far, from /proc (schedstat's first field); 0 where there is no /proc. The
 * threads come and go (JSC ends them when they have been idle a while), so
 * only a sum that stops moving means anything.
 */
export function compilerCpuNs(): number {
  let tids: string[];
  try {
    tids = readdirSync("/proc/self/task");
  } catch {
    return 0;
  }
  let total = 0;
  for (const tid of tids) {
    try {
      if (!readFileSync(`/proc/self/task/${tid}/comm`, "utf8").startsWith(COMPILER_THREAD)) continue;
      total += Number(readFileSync(`/proc/self/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return total;
}

export interface CompilerIdleOptions {
  /** Give up waiting after this long. */
  maxMs: number;
  /** Idle means no compiler CPU used for this long. */
  quietMs: number;
  pollMs: number;
}

/**
 * Waits until JSC's compiler threads have used no CPU for `quietMs`, or
 * `maxMs` has passed; resolves to how long it waited. JSC compiles a hot
 * function's optimized code on those threads while the program goes on, so
 * code that has just run often enough is still being compiled, on the same
 * cores as whatever runs next.
 */
export async function compilerIdle(
  options: CompilerIdleOptions,
  probe: () => number = compilerCpuNs,
  clock: () => number = () => performance.now(),
  sleep: (ms: number) => Promise<unknown> = Bun.sleep,
): Promise<number> {
  const start = clock();
  let used = probe();
  let quietSince = start;
  for (;;) {
    const now = clock();
    if (now - quietSince >= options.quietMs || now - start >= options.maxMs) return now - start;
    await sleep(options.pollMs);
    const next = probe();
    if (next !== used) {
      used = next;
      quietSince = clock();
    }
  }
}
