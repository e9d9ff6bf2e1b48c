/**
 * The end-to-end benchmark: builds the binary, and for each run starts it on
 * free ports, drives it with the binary's own `follower-maze simulate`, which
 * verifies every notification, and prints the simulator's summary with the
 * server's peak RSS and CPU time. Exit 1 if any run fails.
 *
 *   bun run bench:e2e                 # default, 1m, scale and latency
 *   bun run bench:e2e default latency # only those
 *   bun run bench:e2e --binary dist/follower-maze ci
 *   bun run bench:e2e latency-paired [--rounds 5] [--rate 20000] [--totalEvents N] [--against OTHER_BINARY] [--pin]
 *
 * `latency-paired` alternates follower-maze with a compiled thread-per-client
 * baseline (see latency-paired.ts); it is not one of the runs done by default.
 *   bun run bench:e2e cluster         # Redis + sequencer + 3 edges against serve (cluster.ts)
 *   bun run bench:e2e start           # how soon simulate sends event 1 (first-event.ts)
 *
 * `--pin` runs latency-paired's servers on one CPU and simulate on the others
 * (cpu-split.ts); it is checked before anything is built or started.
 */

import { parseArgs } from "node:util";
import { errorMessage } from "../../src/errors.ts";
import { runSimulate, startServer } from "../support/server-process.ts";
import { builtBinary, pickRuns } from "./bench-args.ts";
import { clusterBenchmark } from "./cluster.ts";
import { type CpuSplit, cpuSplit } from "./cpu-split.ts";
import { firstEventBenchmark } from "./first-event.ts";
import { latencyPaired } from "./latency-paired.ts";
import { median } from "./median.ts";

/** Each run's simulator flags; the names are what README's table and CI refer to. */
const RUNS: Record<string, string[]> = {
  default: [],
  "1m": ["--totalEvents", "1000000"],
  scale: ["--totalEvents", "1000000", "--concurrencyLevel", "10000", "--numberOfUsers", "100000"],
  latency: ["--totalEvents", "200000", "--rate", "20000"],
  ci: ["--totalEvents", "200000", "--noise", "0.05"],
  /** Not simulator runs of their own: see cluster.ts and first-event.ts. */
  cluster: [],
  start: [],
  "soak-10m": ["--totalEvents", "10000000"],
  "soak-100m": ["--totalEvents", "100000000"],
};
/**
 * How many times the soak runs each length: a run's peak RSS moves by about
 * ±5% with where its collections happen to fall, so one 10M run against one
 * 100M run could land either side of FLAT while nothing grows.
 */
const SOAK_ROUNDS = 3;
/** Runs that stand for several, compared at the end. */
const GROUPS: Record<string, string[]> = { soak: Array.from({ length: SOAK_ROUNDS }, () => ["soak-10m", "soak-100m"]).flat() };
/** How far the soak's median peak RSS may move between 10M and 100M events and still count as flat. */
const FLAT = 0.1;
const ALL = ["default", "1m", "scale", "latency"];

const PAIRED = "latency-paired";
/** What latency-paired runs when its options are not given. */
const PAIRED_ROUNDS = 5;
const PAIRED_RATE = 20_000;

const USAGE = `Usage: bun run bench:e2e [--binary FILE] [run ...]
  Builds dist/follower-maze (or uses --binary FILE), starts it on free ports and drives each run
  with its own \`follower-maze simulate\`, which verifies every notification.
  Runs: ${[...Object.keys(RUNS), ...Object.keys(GROUPS)].join(", ")} (default: ${ALL.join(" ")}; soak = soak-10m then soak-100m, ${SOAK_ROUNDS} times).
  ${PAIRED} [--rounds ${PAIRED_ROUNDS}] [--rate ${PAIRED_RATE}] [--totalEvents N] [--against FILE ...] [--pin]: follower-maze and
  a compiled thread-per-client baseline (built with rustc when run), one after the other, round after round;
  --pin runs every server on the first CPU this process may use and simulate on the others (taskset).
`;

const parse = () =>
  parseArgs({
    args: Bun.argv.slice(2),
    options: {
      binary: { type: "string" },
      help: { type: "boolean", short: "h" },
      rounds: { type: "string" },
      rate: { type: "string" },
      totalEvents: { type: "string" },
      against: { type: "string", multiple: true },
      pin: { type: "boolean" },
    },
    allowPositionals: true,
  });
let parsed: ReturnType<typeof parse>;
try {
  parsed = parse();
} catch (error) {
  console.error(`bench:e2e: ${errorMessage(error).split("\n")[0]} (see bun run bench:e2e --help)`);
  process.exit(2);
}
const { values: args, positionals } = parsed;
if (args.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const chosen = pickRuns("bench:e2e", positionals, { ...RUNS, ...GROUPS, [PAIRED]: true }, ALL).flatMap((name) => GROUPS[name] ?? [name]);
// Silently ignoring them would leave a user believing a run was pinned or paced when it was not.
const pairedOnly = (["rounds", "rate", "totalEvents", "against", "pin"] as const).filter((name) => args[name] !== undefined);
if (pairedOnly.length > 0 && !chosen.includes(PAIRED)) {
  const named = pairedOnly.map((name) => `--${name}`).join(", ");
  console.error(`bench:e2e: ${named} ${pairedOnly.length > 1 ? "apply" : "applies"} only to ${PAIRED} (see bun run bench:e2e --help)`);
  process.exit(2);
}
let pin: CpuSplit | null = null;
try {
  pin = args.pin === true ? cpuSplit() : null;
} catch (error) {
  console.error(`bench:e2e: ${errorMessage(error)}`);
  process.exit(2);
}
const binary = builtBinary(args.binary);

let failed = 0;
/** By run, each time it ran: the server's and the simulator's peak RSS in MiB. */
const peaks = new Map<string, { server: number; simulator: number }[]>();
for (const name of chosen) {
  if (name === "cluster") {
    failed += await clusterBenchmark(binary);
    continue;
  }
  if (name === "start") {
    failed += await firstEventBenchmark(binary);
    continue;
  }
  if (name === PAIRED) {
    const rate = Number(args.rate ?? PAIRED_RATE);
    // Ten seconds of load by default, as the single latency run has.
    const totalEvents = args.totalEvents === undefined ? rate * 10 : Number(args.totalEvents);
    const rounds = Number(args.rounds ?? PAIRED_ROUNDS);
    if (!(await latencyPaired({ binary, against: args.against ?? [], rounds, rate, totalEvents, pin }))) failed++;
    continue;
  }
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
    peaks.set(name, [...(peaks.get(name) ?? []), { server: usage.peakRssMiB, simulator: run.peakRssMiB }]);
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
    const [at10m, at100m] = [short, long].map((runs) => runs.map((run) => run[who])) as [number[], number[]];
    const change = median(at100m) / median(at10m) - 1;
    const flat = Math.abs(change) <= FLAT;
    const mib = (values: number[]) => `${median(values).toFixed(1)} MiB (${values.map((value) => value.toFixed(1)).join(", ")})`;
    console.log(
      `soak: ${who} peak RSS ${mib(at10m)} at 10M events, ${mib(at100m)} at 100M, medians (${change >= 0 ? "+" : ""}${(change * 100).toFixed(1)}%): ${flat ? "flat" : "NOT flat"} within ±${FLAT * 100}%`,
    );
    if (!flat) failed++;
  }
}
process.exit(failed > 0 ? 1 : 0);
