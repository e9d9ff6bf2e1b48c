import { readFileSync } from "node:fs";

/** A `kB` field (VmHWM, VmRSS, RssFile, …) of a /proc/<pid>/status text; 0 when the kernel does not show it. */
export function statusKiB(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
  return match ? Number(match[1]) : 0;
}

/** The executable's and other files' pages a process has resident (RssFile), in KiB. */
export function fileResidentKiB(pid: number | "self"): number {
  return statusKiB(readFileSync(`/proc/${pid}/status`, "utf8"), "RssFile");
}
