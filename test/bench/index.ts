/**
 * Micro-benchmarks: each area pits the project's design against the naive
 * alternative. Run with `bun run bench`; `bun run bench <regex>` runs only the
 * benches whose name matches.
 */
import { run } from "mitata";
import "./parse.bench.ts";
import "./heap.bench.ts";
import "./follower-table.bench.ts";
import "./routing.bench.ts";
import { printRates } from "./report.ts";

const pattern = process.argv[2];
const { benchmarks } = await run(pattern ? { filter: new RegExp(pattern) } : {});
printRates(benchmarks);
