/**
 * The end-to-end benchmark: builds the binary, and for each run starts it on
 * free ports, drives it with the binary's own `follower-maze simulate`, which
 * verifies every notification, and prints the simulator's summary with the
 * server's peak RSS and CPU time. Exit 1 if any run fails.
 *
 *   bun run bench:e2e                 # default, 1m, scale and latency
 *   bun run bench:e2e default latency # only those
 *   bun run bench:e2e --binary dist/follower-maze ci
 *   bun run bench:e2e soak            # 10M, then 100M events: is peak memory flat?
 */

import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { runSimulate, startServer } from "../support/server-process.ts";

/** Each run's simulator flags; the names are what README's table and CI refer to. */
const RUNS: Record<string, string[]> = {
  default: [],
  "1m": ["--totalEvents", "1000000"],
  scale: ["--totalEvents", "1000000", "--concurrencyLevel", "10000", "--numberOfUsers", "100000"],
  latency: ["--totalEvents", "200000", "--rate", "20000"],
  ci: ["--totalEvents", "200000", "--noise", "0.05"],
  "soak-10m": ["--totalEvents", "10000000"],
  "soak-100m": ["--totalEvents", "100000000"],
};
/** Runs that stand for several, compared at the end. */
const GROUPS: Record<string, string[]> = { soak: ["soak-10m", "soak-100m"] };
/** How far the soak's peak RSS may move between 10M and 100M events and still count as flat. */
const FLAT = 0.1;
const ALL = ["default", "1m", "scale", "latency"];

const { values: args, positionals } = parseArgs({ args: Bun.argv.slice(2), options: { binary: { type: "string" } }, allowPositionals: true });
const chosen = (positionals.length > 0 ? positionals : ALL).flatMap((name) => GROUPS[name] ?? [name]);
const unknown = chosen.filter((name) => !(name in RUNS));
if (unknown.length > 0) {
  console.error(`bench:e2e: unknown run ${unknown.join(", ")}; runs: ${[...Object.keys(RUNS), ...Object.keys(GROUPS)].join(", ")}`);
  process.exit(2);
}

const ROOT = resolve(import.meta.dir, "../..");
let binary = args.binary;
if (binary === undefined) {
  const build = Bun.spawnSync([process.execPath, "build.ts"], { cwd: ROOT, stdout: "inherit", stderr: "inherit" });
  if (build.exitCode !== 0) process.exit(1);
  binary = resolve(ROOT, "dist/follower-maze");
}

let failed = 0;
/** By run: the server's and the simulator's peak RSS in MiB. */
const peaks = new Map<string, { server: number; simulator: number }>();
for (const name of chosen) {
  const flags = RUNS[name] as string[];
  const server = await startServer(binary, ["--log-level", "warn", "--stats-interval", "0"]);
  const sampler = setInterval(() => server.sample(), 100);
  try {
    const run = await runSimulate(binary, server.eventPort, server.clientPort, ["--logLevel", "warn", ...flags]);
    server.sample();
    const usage = server.usage();
    const verdict = run.stdout.trim().split("\n");
    console.log(`${name} (simulate ${flags.join(" ") || "with defaults"}):`);
    for (const line of verdict) console.log(`  ${line}`);
    if (run.stderr.trim() !== "") console.log(`  simulator stderr: ${run.stderr.trim()}`);
    console.log(
      `  server peak RSS ${usage.peakRssMiB.toFixed(1)} MiB (at end ${usage.rssMiB.toFixed(1)} MiB), server CPU ${usage.cpuSeconds.toFixed(2)} s; ` +
        `simulator peak RSS ${run.peakRssMiB.toFixed(1)} MiB, simulator CPU ${run.cpuSeconds.toFixed(2)} s`,
    );
    peaks.set(name, { server: usage.peakRssMiB, simulator: run.peakRssMiB });
    if (run.code !== 0) {
      failed++;
      console.log(`  FAILED (simulate exit ${run.code}); server log tail:\n${server.stderr().split("\n").slice(-10).join("\n")}`);
    }
  } finally {
    clearInterval(sampler);
    await server.stop();
  }
}
const [short, long] = [peaks.get("soak-10m"), peaks.get("soak-100m")];
if (short !== undefined && long !== undefined) {
  for (const who of ["server", "simulator"] as const) {
    const change = long[who] / short[who] - 1;
    const flat = Math.abs(change) <= FLAT;
    console.log(
      `soak: ${who} peak RSS ${short[who].toFixed(1)} MiB at 10M events, ${long[who].toFixed(1)} MiB at 100M (${change >= 0 ? "+" : ""}${(change * 100).toFixed(1)}%): ${flat ? "flat" : "NOT flat"} within ±${FLAT * 100}%`,
    );
    if (!flat) failed++;
  }
}
process.exit(failed > 0 ? 1 : 0);
