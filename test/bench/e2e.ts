/**
 * The end-to-end benchmark: builds the binary, and for each run starts it on
 * free ports, drives it with the binary's own `follower-maze simulate`, which
 * verifies every notification, and prints the simulator's summary with the
 * server's peak RSS and CPU time. Exit 1 if any run fails.
 *
 *   bun run bench:e2e                 # default, 1m, scale and latency
 *   bun run bench:e2e default latency # only those
 *   bun run bench:e2e --binary dist/follower-maze ci
 *   bun run bench:e2e latency-paired [--rounds 5] [--rate 20000] [--totalEvents N] [--against OTHER_BINARY]
 *
 * `latency-paired` alternates follower-maze with a compiled thread-per-client
 * baseline (see latency-paired.ts); it is not one of the runs done by default.
 *   bun run bench:e2e cluster         # Redis + sequencer + 3 edges against serve (cluster.ts)
 */

import { parseArgs } from "node:util";
import { errorMessage } from "../../src/errors.ts";
import { runSimulate, startServer } from "../support/server-process.ts";
import { builtBinary, pickRuns } from "./bench-args.ts";
import { clusterBenchmark } from "./cluster.ts";
import { latencyPaired } from "./latency-paired.ts";

/** Each run's simulator flags; the names are what README's table and CI refer to. */
const RUNS: Record<string, string[]> = {
  default: [],
  "1m": ["--totalEvents", "1000000"],
  scale: ["--totalEvents", "1000000", "--concurrencyLevel", "10000", "--numberOfUsers", "100000"],
  latency: ["--totalEvents", "200000", "--rate", "20000"],
  ci: ["--totalEvents", "200000", "--noise", "0.05"],
  /** Not a simulator run of its own: see cluster.ts. */
  cluster: [],
};
const ALL = ["default", "1m", "scale", "latency"];

const PAIRED = "latency-paired";

const USAGE = `Usage: bun run bench:e2e [--binary FILE] [run ...]
  Builds dist/follower-maze (or uses --binary FILE), starts it on free ports and drives each run
  with its own \`follower-maze simulate\`, which verifies every notification.
  Runs: ${Object.keys(RUNS).join(", ")} (default: ${ALL.join(" ")}).
  ${PAIRED} [--rounds 5] [--rate 20000] [--totalEvents N] [--against FILE ...]: follower-maze and
  a compiled thread-per-client baseline (built with rustc when run), one after the other, round after round.
`;

const parse = () =>
  parseArgs({
    args: Bun.argv.slice(2),
    options: {
      binary: { type: "string" },
      help: { type: "boolean", short: "h" },
      rounds: { type: "string", default: "5" },
      rate: { type: "string", default: "20000" },
      totalEvents: { type: "string" },
      against: { type: "string", multiple: true, default: [] },
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
const chosen = pickRuns("bench:e2e", positionals, { ...RUNS, [PAIRED]: true }, ALL);
const binary = builtBinary(args.binary);

let failed = 0;
for (const name of chosen) {
  if (name === "cluster") {
    failed += await clusterBenchmark(binary);
    continue;
  }
  if (name === PAIRED) {
    const rate = Number(args.rate);
    // Ten seconds of load by default, as the single latency run has.
    const totalEvents = args.totalEvents === undefined ? rate * 10 : Number(args.totalEvents);
    if (!(await latencyPaired({ binary, against: args.against, rounds: Number(args.rounds), rate, totalEvents }))) failed++;
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
      `  server peak RSS ${usage.peakRssMiB.toFixed(1)} MiB (at end ${usage.rssMiB.toFixed(1)} MiB), server CPU ${usage.cpuSeconds.toFixed(2)} s, simulator CPU ${run.cpuSeconds.toFixed(2)} s`,
    );
    if (run.code !== 0) {
      failed++;
      console.log(`  FAILED (simulate exit ${run.code}); server log tail:\n${server.stderr().split("\n").slice(-10).join("\n")}`);
    }
  } finally {
    clearInterval(sampler);
    await server.stop();
  }
}
process.exit(failed > 0 ? 1 : 0);
