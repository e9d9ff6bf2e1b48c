/**
 * `latency-paired --pin`: the server under test on one CPU and `simulate` on
 * the others, so the load generator's threads never queue on the server's
 * core. On a 2-vCPU VM whose kernel places a woken thread on its waker's
 * vCPU, the simulator's client thread, woken by the server's writes, waited
 * behind the server's own fan-out while the other vCPU idled.
 */
import { readFileSync } from "node:fs";

/** The `taskset` prefixes that pin a server and the simulator. */
export interface CpuSplit {
  server: string[];
  simulator: string[];
}

/** The CPUs in a kernel CPU list such as `0-3,8,10-11`, in order. */
export function parseCpuList(list: string): number[] {
  const cpus: number[] = [];
  for (const part of list.trim().split(",")) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (match === null) throw new Error(`not a CPU list: ${JSON.stringify(list)}`);
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    for (let cpu = first; cpu <= last; cpu++) cpus.push(cpu);
  }
  return cpus;
}

/** The first of `cpus` for the server, the rest for the simulator; at least two are needed. */
export function splitCpus(cpus: readonly number[], taskset: string): CpuSplit {
  if (cpus.length < 2) throw new Error(`--pin needs at least 2 CPUs, and this process may use ${cpus.length}`);
  return { server: [taskset, "-c", String(cpus[0])], simulator: [taskset, "-c", cpus.slice(1).join(",")] };
}

/** The split of the CPUs this process may use (Linux's Cpus_allowed_list), with util-linux's taskset. */
export function cpuSplit(): CpuSplit {
  const taskset = Bun.which("taskset");
  if (taskset === null) throw new Error("--pin needs taskset (util-linux) on PATH");
  const allowed = /^Cpus_allowed_list:\s*(\S+)$/m.exec(readFileSync("/proc/self/status", "utf8"));
  if (allowed === null) throw new Error("--pin needs Linux: /proc/self/status shows no Cpus_allowed_list");
  return splitCpus(parseCpuList(allowed[1] as string), taskset);
}
