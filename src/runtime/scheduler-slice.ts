import { ptr } from "bun:ffi";
import { readFileSync } from "node:fs";
import { systemLibc } from "./libc.ts";
import { SliceGovernor } from "./slice-governor.ts";

/** sched_setattr(2) and sched_getattr(2), by architecture. */
const SYSCALLS: Partial<Record<string, { set: number; get: number }>> = {
  x64: { set: 314, get: 315 },
  arm64: { set: 274, get: 275 },
};
/** SCHED_ATTR_SIZE_VER0: size, policy, flags, nice, priority, runtime, deadline, period. */
const ATTR_BYTES = 48;
const RUNTIME_AT = 24;
/** SCHED_OTHER and SCHED_BATCH: the policies whose slice a thread may choose. A real-time or idle policy someone chose is left alone. */
const FAIR_POLICIES = new Set([0, 3]);
/** SCHED_FLAG_RESET_ON_FORK: threads and processes started from this one (the JIT's compiler threads, say) get the kernel's slice, not this one's. */
const RESET_ON_FORK = 1n;

/** What `/proc/<pid>/task/<tid>/sched` says a thread's slice is, in ns; null where it shows none (Linux before 6.6). */
export function sliceOf(sched: string): number | null {
  const match = /^se\.slice\s+:\s+(\d+)\s*$/m.exec(sched);
  return match === null ? null : Number(match[1]);
}

/** `parse` of one of the calling thread's /proc files; null where there is none to read. */
function fromThreadFile(name: string, parse: (text: string) => number | null): number | null {
  try {
    return parse(readFileSync(`/proc/thread-self/${name}`, "utf8"));
  } catch {
    return null;
  }
}

/** The calling thread's slice, in ns, as the kernel shows it. */
export const threadSlice = (): number | null => fromThreadFile("sched", sliceOf);

export interface SliceOutcome {
  /** What was asked for, in µs; null for the kernel's own. */
  requestedUs: number | null;
  /** The thread's slice before and after, in ns, as the kernel shows it; null where it shows none. */
  beforeNs: number | null;
  afterNs: number | null;
}

/**
 * Asks Linux to give the calling thread, the one whose event loop serves
 * every socket, a scheduler slice of `microseconds`. Under EEVDF (Linux
 * 6.6 on; a slice of one's own from 6.12) a shorter slice means an earlier
 * deadline: woken by a read, the thread takes a core from a neighbour at
 * once instead of queueing behind it. That is the server's whole job (a
 * read, then writes to the clients it concerns), and the kernel's default
 * slice, which suits batch work, is what made a delivery wait for a
 * neighbour's turn. Needs no privilege; nice and policy stay as they are.
 * Elsewhere (not Linux, a kernel that shows no slice, a policy not fair) it
 * changes nothing and says so in the outcome.
 */
export function requestSchedulerSlice(microseconds: number | null): SliceOutcome {
  const outcome: SliceOutcome = { requestedUs: microseconds, beforeNs: threadSlice(), afterNs: null };
  if (microseconds !== null && outcome.beforeNs !== null) setThreadSlice(microseconds * 1000);
  outcome.afterNs = threadSlice();
  return outcome;
}

/** Sets the calling thread's slice to `ns`, 0 for the kernel's own, where it can; whether it took, the thread's sched file says. */
function setThreadSlice(ns: number): void {
  const calls = SYSCALLS[process.arch];
  const libc = systemLibc();
  if (calls === undefined || libc === null) return;
  const attr = new DataView(new ArrayBuffer(ATTR_BYTES));
  if (libc.syscall(calls.get, 0, ptr(attr), ATTR_BYTES, 0) !== 0 || !FAIR_POLICIES.has(attr.getUint32(4, true))) return;
  attr.setUint32(0, ATTR_BYTES, true);
  attr.setBigUint64(8, RESET_ON_FORK, true);
  attr.setBigUint64(RUNTIME_AT, BigInt(ns), true);
  libc.syscall(calls.set, 0, ptr(attr), 0, 0);
}

/** A thread's time on a CPU so far, in ns, from its `schedstat` (the first of its three numbers); null if unreadable. */
export function runTimeOf(schedstat: string): number | null {
  const match = /^(\d+) \d+ \d+\s*$/.exec(schedstat);
  return match === null ? null : Number(match[1]);
}

const threadRunTime = (): number | null => fromThreadFile("schedstat", runTimeOf);

const GOVERN_EVERY_MS = 100;

/**
 * Keeps the slice {@link requestSchedulerSlice} got only while the calling
 * thread has room to spare, and the kernel's own while it is saturated
 * (see SliceGovernor), judged every 100 ms from the time it ran; nothing
 * if the request did not take. `changed` hears of each switch, with the
 * busy fraction of the interval that made it. `runTime` (ns) and `clock`
 * (ms) stand in for the thread's own in tests.
 */
export function governSchedulerSlice(
  outcome: SliceOutcome,
  changed: (short: boolean, busy: number, requestedUs: number) => void,
  runTime: () => number | null = threadRunTime,
  clock: () => number = () => performance.now(),
): void {
  const { requestedUs } = outcome;
  if (requestedUs === null || outcome.afterNs !== requestedUs * 1000) return;
  const governor = new SliceGovernor();
  let ran = runTime();
  let at = clock();
  const timer = setInterval(() => {
    const running = runTime();
    const now = clock();
    if (running === null || ran === null) return;
    const busy = (running - ran) / ((now - at) * 1e6);
    ran = running;
    at = now;
    if (!governor.observe(busy)) return;
    setThreadSlice(governor.shortSlice ? requestedUs * 1000 : 0);
    changed(governor.shortSlice, busy, requestedUs);
  }, GOVERN_EVERY_MS);
  // A server with nothing else to do exits as it would without it.
  timer.unref();
}

const us = (ns: number) => `${Math.round(ns / 1000)} µs`;

/** The debug line for what {@link requestSchedulerSlice} did. */
export function schedulerSliceText({ requestedUs, beforeNs, afterNs }: SliceOutcome): string {
  if (afterNs === null) return "scheduler slice: the kernel's own (it shows none for this thread)";
  if (requestedUs === null) return `scheduler slice: the kernel's own, ${us(afterNs)} (--scheduler-slice off)`;
  if (afterNs === requestedUs * 1000)
    return `scheduler slice ${us(afterNs)} for the thread that serves the sockets (the kernel's default here: ${us(beforeNs ?? afterNs)})`;
  return `scheduler slice: asked for ${requestedUs} µs, the kernel keeps ${us(afterNs)} (a slice of one's own needs Linux 6.12; a real-time policy keeps its own)`;
}

/** The debug line for a switch {@link governSchedulerSlice} made. */
export function sliceSwitchText(short: boolean, busy: number, requestedUs: number): string {
  const share = `busy ${Math.round(busy * 100)}% of the last ${GOVERN_EVERY_MS} ms`;
  return short ? `${share}: the ${requestedUs} µs scheduler slice again` : `${share}: the kernel's own scheduler slice while saturated`;
}
