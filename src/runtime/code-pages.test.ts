import { describe, expect, test } from "bun:test";
import { fileResidentKiB } from "../../test/support/proc-status.ts";
import { CODE_PAGES_PERIOD_MS, cleanImageRanges, codePagesText, type Every, ExecutablePages, releaseCodePages } from "./code-pages.ts";

const IMAGE = "/opt/follower-maze/follower-maze";

/** One mapping as the kernel prints it in /proc/<pid>/smaps, with the fields the selection reads and one it must not confuse. */
function mapping(range: string, perms: string, path: string, rssKiB: number, anonymousKiB: number): string {
  return [
    `${range} ${perms} 00000000 fe:00 5311038                            ${path}`,
    "Size:              25188 kB",
    `Rss:               ${rssKiB} kB`,
    "Pss:                5860 kB",
    `Anonymous:         ${anonymousKiB} kB`,
    "AnonHugePages:         0 kB",
    "VmFlags: rd mr mw me sd",
  ].join("\n");
}

const SMAPS = [
  mapping("00200000-01a39000", "r--p", IMAGE, 5860, 0),
  mapping("01a40000-0684a000", "r-xp", IMAGE, 31752, 0),
  mapping("0684a000-0685f000", "rw-p", IMAGE, 84, 48),
  // The relocated read-only data (RELRO): written once at load, so its pages are private copies.
  mapping("0685f000-06867000", "r--p", IMAGE, 32, 12),
  mapping("06867000-06a52000", "rw-p", IMAGE, 1020, 112),
  mapping("7f0000000000-7f0000200000", "r-xp", "/usr/lib/x86_64-linux-gnu/libc.so.6", 1400, 0),
  mapping("7f1000000000-7f1000100000", "rw-p", "", 900, 900),
  mapping("7ffd00000000-7ffd00021000", "rw-p", "[stack]", 132, 132),
].join("\n");

describe("cleanImageRanges", () => {
  test("takes the executable's read-only mappings that hold no private page, with what of each is resident", () => {
    expect(cleanImageRanges(SMAPS, IMAGE)).toEqual([
      { start: 0x200000n, end: 0x1a39000n, residentBytes: 5860 * 1024 },
      { start: 0x1a40000n, end: 0x684a000n, residentBytes: 31752 * 1024 },
    ]);
  });

  test("leaves out writable mappings, copied-on-write ones and other files' entirely", () => {
    const ranges = cleanImageRanges(SMAPS, IMAGE);
    expect(ranges.some((range) => range.start === 0x685f000n)).toBe(false);
    expect(cleanImageRanges(SMAPS, "/usr/lib/x86_64-linux-gnu/libc.so.6")).toHaveLength(1);
    expect(cleanImageRanges(SMAPS, "/somewhere/else")).toEqual([]);
  });

  test("a mapping whose Anonymous line is missing is not taken: nothing says its pages are the file's", () => {
    const header = `00200000-01a39000 r--p 00000000 fe:00 5311038 ${IMAGE}\nRss: 5860 kB`;
    expect(cleanImageRanges(header, IMAGE)).toEqual([]);
  });
});

describe("releaseCodePages", () => {
  test.if(process.platform === "linux")("unmaps this process's resident executable pages, which it keeps running from", () => {
    const before = fileResidentKiB("self");
    const released = releaseCodePages();
    const after = fileResidentKiB("self");
    expect(released).toBeGreaterThan(0);
    expect(after).toBeLessThan(before);
    // Still running from them: the same again works, and finds far less resident.
    expect(releaseCodePages()).toBeLessThan(released);
  });

  test("reports what it unmapped in MiB, and how often it will again", () => {
    expect(codePagesText(15.25 * 2 ** 20, 1000)).toBe(
      "unmapped 15.3 MiB of the executable's resident pages; they map again as they run, and are unmapped again every 1000 ms",
    );
    expect(codePagesText(15.25 * 2 ** 20, null)).toBe("unmapped 15.3 MiB of the executable's resident pages; they map again as they run");
  });
});

describe("ExecutablePages.keepReleasing", () => {
  test.if(process.platform === "linux")("every tick unmaps the executable's pages again, and stopping is the scheduler's", () => {
    const ticks: { ms: number; task: () => void }[] = [];
    let stopped = 0;
    const every: Every = (ms, task) => {
      ticks.push({ ms, task });
      return () => stopped++;
    };
    const stop = (ExecutablePages.find() as ExecutablePages).keepReleasing(250, every);
    expect(ticks.map((tick) => tick.ms)).toEqual([250]);
    const tick = (ticks[0] as { task: () => void }).task;
    for (let round = 0; round < 2; round++) {
      // Whatever ran since maps pages again; the tick takes them back.
      Bun.gc(true);
      const before = fileResidentKiB("self");
      tick();
      expect(fileResidentKiB("self")).toBeLessThan(before);
    }
    stop();
    expect(stopped).toBe(1);
  });

  test("runs once a second unless told otherwise", () => {
    expect(CODE_PAGES_PERIOD_MS).toBe(1000);
    const periods: number[] = [];
    const pages = ExecutablePages.find();
    expect(pages === null).toBe(process.platform !== "linux");
    pages?.keepReleasing(undefined, (ms) => {
      periods.push(ms);
      return () => {};
    });
    // Where there is nothing to unmap (no /proc, no glibc) nothing is scheduled at all.
    expect(periods).toEqual(process.platform === "linux" ? [1000] : []);
  });
});
