/**
 * What the simulator benches (generate.ts, verify.ts) share: the run
 * `simulate` makes with no flags but --totalEvents, and a CPU clock.
 */
import { parseFlags } from "../../src/cli/flags.ts";
import { workloadOptions } from "../../src/cli/simulate.ts";
import { SIMULATE_FLAGS } from "../../src/cli/simulate-flags.ts";
import { planFor } from "../../src/simulate/simulation.ts";

/**
 * The events the bench was asked for (its first argument, `fallback` when
 * absent) and simulate's plan for them, its seed and options the defaults of
 * simulate's own flag table; a bad argument ends the bench with exit status 2.
 */
export function defaultRun(bench: string, fallback: number) {
  const events = Number(process.argv[2] ?? fallback);
  if (!Number.isInteger(events) || events < 1) {
    console.error(`${bench}: expected a number of events, got ${JSON.stringify(process.argv[2])}`);
    process.exit(2);
  }
  const flags = parseFlags(SIMULATE_FLAGS, ["--totalEvents", String(events)], {}).values;
  const seed = flags.randomSeed;
  const options = workloadOptions(flags);
  return { events, seed, options, plan: planFor(seed, options) };
}

/** User plus system CPU time of this process, in ms. */
export function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
