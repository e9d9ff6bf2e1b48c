/**
 * The paired latency benchmark (`bun run bench:e2e latency-paired`): the same
 * paced simulate run against follower-maze and against a compiled baseline,
 * one after another, for several rounds, so both see the same machine and the
 * same neighbours. Prints every run and the medians.
 *
 * The baselines are test/bench/baseline/thread-per-client.rs, a minimal server
 * with one thread per client, and event-loop.rs, one thread and one epoll loop
 * as follower-maze has, asking for the same scheduler slice; both are built here
 * with `rustc` when this runs (never by the build or the tests). Without `rustc`
 * it says so and runs follower-maze alone.
 * `--against PATH` adds another follower-maze binary to every round, for
 * before/after comparisons of a change. `--pin` runs every server on one
 * CPU and simulate on the others (cpu-split.ts).
 */
import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { resolve } from "node:path";
import { runSimulate, type ServerProcess, startListening, startServer } from "../support/server-process.ts";
import type { CpuSplit } from "./cpu-split.ts";
import { median } from "./median.ts";

const BASELINE_DIR = resolve(import.meta.dir, "baseline");
/** Each compiled baseline: its source's name and what it is given after the two ports (event-loop.rs: follower-maze's `--scheduler-slice` default). */
const BASELINES = [
  { file: "thread-per-client", args: [] },
  { file: "event-loop", args: ["100"] },
];
const LATENCY = /latency p50 (\S+) ms, p99 (\S+) ms, p99\.9 (\S+) ms, max (\S+) ms/;

export interface PairedOptions {
  /** follower-maze under test; its simulator drives every server. */
  binary: string;
  /** More follower-maze binaries to measure in each round. */
  against: string[];
  rounds: number;
  rate: number;
  totalEvents: number;
  /** Where servers and simulate run; null: wherever the kernel puts them. */
  pin: CpuSplit | null;
}

interface Contender {
  name: string;
  start(): Promise<ServerProcess>;
}

interface RunFigures {
  p50: number;
  p99: number;
  p999: number;
  max: number;
  cpuSeconds: number;
  peakRssMiB: number;
  /** Upper bound of the server's own delivery-latency bucket holding its p99 (follower-maze only). */
  serverP99: number | null;
}

/** Compiles one baseline into a temporary directory; null (after saying why) when there is no rustc or it fails. */
function buildBaseline(name: string): string | null {
  const rustc = Bun.which("rustc");
  if (rustc === null) {
    console.error(`latency-paired: rustc not found on PATH: the compiled baseline ${name} is skipped (install Rust to pair the runs)`);
    return null;
  }
  const dir = resolve(tmpdir(), "follower-maze-bench");
  mkdirSync(dir, { recursive: true });
  const out = resolve(dir, name);
  const build = Bun.spawnSync([rustc, "-O", "--edition", "2021", "-o", out, resolve(BASELINE_DIR, `${name}.rs`)], { stdout: "inherit", stderr: "inherit" });
  if (build.exitCode !== 0) {
    console.error(`latency-paired: rustc failed to build the baseline ${name}: it is skipped`);
    return null;
  }
  return out;
}

/** The server's p99 as the upper bound of the /metrics delivery-latency bucket it falls in, in ms. */
async function serverP99(server: ServerProcess): Promise<number | null> {
  if (server.metricsPort === null) return null;
  const page = await (await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`)).text();
  const buckets: [number, number][] = [];
  for (const match of page.matchAll(/^follower_maze_delivery_latency_seconds_bucket\{le="([^"]+)"\} (\S+)$/gm)) {
    buckets.push([Number(match[1]), Number(match[2])]);
  }
  const total = buckets.at(-1)?.[1] ?? 0;
  const bucket = buckets.find(([, count]) => count >= total * 0.99);
  return bucket === undefined || total === 0 ? null : bucket[0] * 1000;
}

async function measure(contender: Contender, o: PairedOptions): Promise<RunFigures> {
  const server = await contender.start();
  const sampler = setInterval(() => server.sample(), 100);
  try {
    const run = await runSimulate(
      o.binary,
      server.eventPort,
      server.clientPort,
      ["--logLevel", "warn", "--logInterval", "0", "--totalEvents", String(o.totalEvents), "--rate", String(o.rate)],
      {},
      o.pin?.simulator,
    );
    server.sample();
    const match = LATENCY.exec(run.stdout);
    if (run.code !== 0 || match === null) throw new Error(`${contender.name}: simulate failed (exit ${run.code}):\n${run.stdout}${run.stderr}`);
    const [p50, p99, p999, max] = match.slice(1, 5).map(Number) as [number, number, number, number];
    const usage = server.usage();
    return { p50, p99, p999, max, cpuSeconds: usage.cpuSeconds, peakRssMiB: usage.peakRssMiB, serverP99: await serverP99(server) };
  } finally {
    clearInterval(sampler);
    await server.stop();
  }
}

const ms = (value: number) => value.toFixed(3).padStart(7);

/** Runs the rounds and prints them; returns false if any run failed. */
export async function latencyPaired(o: PairedOptions): Promise<boolean> {
  const serverWrapper = o.pin?.server ?? [];
  const serve = (binary: string) => startServer(binary, ["--log-level", "warn", "--stats-interval", "0", "--metrics-port", "0"], {}, serverWrapper);
  const contenders: Contender[] = [
    { name: "follower-maze", start: () => serve(o.binary) },
    ...o.against.map((path, i) => ({ name: `against-${i + 1} (${path})`, start: () => serve(path) })),
  ];
  for (const { file, args } of BASELINES) {
    const built = buildBaseline(file);
    if (built !== null) contenders.push({ name: `${file} (Rust)`, start: () => startListening([...serverWrapper, built, "0", "0", ...args]) });
  }

  console.log(`latency-paired: ${o.rounds} rounds, each server in turn: simulate --totalEvents ${o.totalEvents} --rate ${o.rate} (100 clients, default mix)`);
  if (o.pin !== null) console.log(`pinned: every server runs under \`${o.pin.server.join(" ")}\`, simulate under \`${o.pin.simulator.join(" ")}\``);
  const width = Math.max(...contenders.map((c) => c.name.length));
  console.log(`${"round".padEnd(6)}${"server".padEnd(width + 2)}    p50     p99   p99.9     max (ms, seen by simulate)  server p99 bucket  CPU s  peak RSS`);
  const figures = new Map<string, RunFigures[]>(contenders.map((c) => [c.name, []]));
  let ok = true;
  for (let round = 1; round <= o.rounds; round++) {
    for (const contender of contenders) {
      try {
        const f = await measure(contender, o);
        figures.get(contender.name)?.push(f);
        const bucket = f.serverP99 === null ? "" : `≤ ${f.serverP99} ms`;
        console.log(
          `${String(round).padEnd(6)}${contender.name.padEnd(width + 2)}${ms(f.p50)} ${ms(f.p99)} ${ms(f.p999)} ${ms(f.max)}${" ".repeat(29)}${bucket.padEnd(19)}${f.cpuSeconds.toFixed(2).padStart(5)}  ${f.peakRssMiB.toFixed(1)} MiB`,
        );
      } catch (error) {
        ok = false;
        console.log(`${String(round).padEnd(6)}${contender.name.padEnd(width + 2)}FAILED: ${(error as Error).message}`);
      }
    }
  }
  console.log("medians over the rounds:");
  for (const [name, runs] of figures) {
    if (runs.length === 0) continue;
    const p99s = runs.map((r) => r.p99);
    console.log(
      `      ${name.padEnd(width + 2)}${ms(median(runs.map((r) => r.p50)))} ${ms(median(p99s))} ${ms(median(runs.map((r) => r.p999)))} ${ms(median(runs.map((r) => r.max)))}` +
        `   p99 spread ${(Math.max(...p99s) / Math.min(...p99s)).toFixed(2)}× (max/min of ${runs.length})`,
    );
  }
  return ok;
}
