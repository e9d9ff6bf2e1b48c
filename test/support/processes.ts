import { readdirSync, readFileSync } from "node:fs";
import { constants } from "node:os";
import type { SpawnOptions, Subprocess, SyncSubprocess } from "bun";

/**
 * Every process the tests start goes through {@link spawnTracked}, so none
 * outlives its test or the run, however they end:
 * - the preload (test/support/preload.ts) kills, after each test, whatever
 *   that test started and left running, and at the end of the run fails it
 *   if any child of the test process is still alive;
 * - when the test process exits, or is interrupted, it kills them all;
 * - when it dies without a chance to (SIGKILL, a crash), the kernel kills
 *   them: each runs under `setpriv --pdeathsig KILL` (util-linux), when the
 *   machine has it.
 */

/** Linux's parent-death signal, set by setpriv before it execs the command (the pid stays the same). */
const SETPRIV = Bun.which("setpriv");
const PARENT_DEATH_GUARD = SETPRIV === null ? [] : [SETPRIV, "--pdeathsig", "KILL", "--"];

interface Tracked {
  child: Subprocess<SpawnOptions.Writable, SpawnOptions.Readable, SpawnOptions.Readable>;
  command: string;
  /** Started inside a test (rather than in a beforeAll or at load): it dies when that test ends. */
  inTest: boolean;
}

const live = new Map<number, Tracked>();
let testRunning = false;

/** Bun.spawn, with the command under the parent-death guard and the child registered until it exits. */
export function spawnTracked<
  const In extends SpawnOptions.Writable = "ignore",
  const Out extends SpawnOptions.Readable = "pipe",
  const Err extends SpawnOptions.Readable = "inherit",
>(cmd: string[], options?: SpawnOptions.SpawnOptions<In, Out, Err>): Subprocess<In, Out, Err> {
  const child = Bun.spawn<In, Out, Err>([...PARENT_DEATH_GUARD, ...cmd], options);
  live.set(child.pid, { child, command: cmd.join(" "), inTest: testRunning });
  child.exited.then(() => live.delete(child.pid));
  return child;
}

/** Bun.spawnSync under the parent-death guard (give it a `timeout`: nothing else ends a hung child). */
export function spawnSyncGuarded<
  const In extends SpawnOptions.Writable = "ignore",
  const Out extends SpawnOptions.Readable = "pipe",
  const Err extends SpawnOptions.Readable = "pipe",
>(cmd: string[], options?: SpawnOptions.SpawnSyncOptions<In, Out, Err>): SyncSubprocess<Out, Err> {
  return Bun.spawnSync<In, Out, Err>([...PARENT_DEATH_GUARD, ...cmd], options);
}

export function testStarted(): void {
  testRunning = true;
}

/** Kills what the test that just ended started and left running; resolves once those have exited. */
export async function testEnded(): Promise<void> {
  testRunning = false;
  const left = [...live.values()].filter((tracked) => tracked.inTest);
  for (const { child } of left) child.kill("SIGKILL");
  await Promise.all(left.map(({ child }) => child.exited));
}

/** Kills every process still registered; resolves once they have exited. */
export async function killAll(): Promise<void> {
  const left = [...live.values()];
  for (const { child } of left) child.kill("SIGKILL");
  await Promise.all(left.map(({ child }) => child.exited));
}

/** Processes started and not yet exited, as "pid command". */
export function stillRunning(): string[] {
  return [...live.entries()].map(([pid, { command }]) => `${pid} ${command}`);
}

/**
 * Children of this process that are alive, from /proc: also catches any that
 * did not go through spawnTracked. Empty where there is no /proc.
 */
export function liveChildren(parent = process.pid): string[] {
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  const children: string[] = [];
  for (const pid of pids) {
    try {
      // The command name is in parentheses and may hold spaces; the fields after it are state, then ppid.
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(ppid) !== parent || state === "Z") continue;
      const command = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
      children.push(`${pid} ${command}`);
    } catch {
      // Gone between the listing and the read.
    }
  }
  return children;
}

function killAllNow(): void {
  for (const { child } of live.values()) child.kill("SIGKILL");
}

process.on("exit", killAllNow);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.once(signal, () => {
    killAllNow();
    process.exit(128 + constants.signals[signal]);
  });
}
