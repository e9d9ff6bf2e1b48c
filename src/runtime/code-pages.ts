import { readFileSync, readlinkSync } from "node:fs";
import { type Libc, systemLibc } from "./libc.ts";

/** A mapping of the executable that only ever holds the file's own bytes. */
export interface CleanImageRange {
  start: bigint;
  end: bigint;
  residentBytes: number;
}

const HEADER = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \S+\s*(.*)$/;
const FIELD = /^(Rss|Anonymous):\s+(\d+) kB/;

/**
 * The mappings of `image` in `/proc/<pid>/smaps` text that are read-only and
 * hold no private (copied-on-write) page: code and read-only data, every
 * page of which the kernel can read back from the file unchanged. The
 * relocated read-only segment (RELRO) has private pages and is left out, as
 * is anything writable.
 */
export function cleanImageRanges(smaps: string, image: string): CleanImageRange[] {
  const ranges: CleanImageRange[] = [];
  let current: CleanImageRange | null = null;
  let anonymous = -1;
  const close = () => {
    if (current !== null && anonymous === 0) ranges.push(current);
    current = null;
  };
  for (const line of smaps.split("\n")) {
    const header = HEADER.exec(line);
    if (header !== null) {
      close();
      const [, start, end, perms, path] = header as unknown as [string, string, string, string, string];
      if (path === image && !perms.includes("w")) {
        current = { start: BigInt(`0x${start}`), end: BigInt(`0x${end}`), residentBytes: 0 };
        anonymous = -1;
      }
      continue;
    }
    if (current === null) continue;
    const field = FIELD.exec(line);
    if (field === null) continue;
    const kib = Number(field[2]);
    if (field[1] === "Rss") current.residentBytes = kib * 1024;
    else anonymous = kib;
  }
  close();
  return ranges;
}

const MADV_DONTNEED = 4;

/** How often a serving process unmaps its executable's pages again by default (--code-pages-interval; see {@link ExecutablePages.keepReleasing}). */
export const CODE_PAGES_PERIOD_MS = 1000;

/** Runs `task` every `ms` without holding the process open; returns how to stop it. Injected so tests can run the ticks by hand. */
export type Every = (ms: number, task: () => void) => () => void;

const EVERY: Every = (ms, task) => {
  const timer = setInterval(task, ms);
  timer.unref();
  return () => clearInterval(timer);
};

/**
 * The executable's resident code and read-only data, found once in
 * `/proc/self/smaps`, to unmap so that only what runs from then on is
 * mapped again, one page fault at a time. The single binary is about
 * 100 MB, and what starting it touches (module loading, flag parsing, the
 * warm-up's own generator, and the kernel's fault-around neighbours of
 * each) stays counted in the process's RSS long after: about 15 MiB of an
 * idle server's 55 MiB. The pages are clean and still in the page cache, so
 * this costs no I/O, and the kernel could drop them itself under memory
 * pressure: it only does so now.
 */
export class ExecutablePages {
  private constructor(
    private readonly libc: Libc,
    private readonly ranges: CleanImageRange[],
  ) {}

  /** This process's, as smaps shows them now; null where there is no /proc, no libc to ask, or nothing to unmap. */
  static find(): ExecutablePages | null {
    const libc = systemLibc();
    if (libc === null) return null;
    let ranges: CleanImageRange[];
    try {
      ranges = cleanImageRanges(readFileSync("/proc/self/smaps", "utf8"), readlinkSync("/proc/self/exe"));
    } catch {
      return null;
    }
    return ranges.length === 0 ? null : new ExecutablePages(libc, ranges);
  }

  /** Unmaps them; returns the bytes of them that were resident when they were found, of those the kernel took. */
  release(): number {
    let released = 0;
    for (const range of this.ranges) if (this.libc.madvise(range.start, range.end - range.start, MADV_DONTNEED) === 0) released += range.residentBytes;
    return released;
  }

  /**
   * From now on unmaps them every `periodMs`. What a process runs once in a
   * while (the JIT compiling a new hot path, a full collection, a burst of
   * new connections) maps pages of the executable that stay counted in its
   * RSS long after it last ran them, and over a run their union grows to
   * all it ever touched: 34 MiB at the peak of 10,000 clients, where what a
   * second of that run uses is 16–28 MiB. The mappings were found once, so
   * each tick is one `madvise` per range and nothing else; what runs next
   * faults back in from the page cache. Returns how to stop.
   */
  keepReleasing(periodMs = CODE_PAGES_PERIOD_MS, every: Every = EVERY): () => void {
    return every(periodMs, () => this.release());
  }
}

/**
 * Unmaps the executable's resident pages once (see {@link ExecutablePages}).
 * Every server role does it before its warm-up and, through
 * ExecutablePages, once ready to listen; `simulate`, before event 1.
 * Returns the bytes that were resident; 0 where there is no /proc or no
 * libc to ask.
 */
export function releaseCodePages(): number {
  return ExecutablePages.find()?.release() ?? 0;
}

/** The debug line for what was unmapped once the process listens, and how often {@link ExecutablePages.keepReleasing} does it again. */
export function codePagesText(bytes: number, periodMs: number | null): string {
  const again = periodMs === null ? "" : `, and are unmapped again every ${periodMs} ms`;
  return `unmapped ${(bytes / 2 ** 20).toFixed(1)} MiB of the executable's resident pages; they map again as they run${again}`;
}
