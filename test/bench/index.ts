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
import { errorMessage } from "../../src/errors.ts";
import { benchNames, printRates } from "./report.ts";

const pattern = process.argv[2];
let filter: RegExp | undefined;
try {
  filter = pattern ? new RegExp(pattern) : undefined;
} catch (error) {
  console.error(`bench: ${errorMessage(error)}`);
  process.exit(2);
}
// An empty table would read as if the benches had run.
if (filter !== undefined && !benchNames().some((name) => filter.test(name))) {
  console.error(`bench: no benchmark name matches /${pattern}/; names: ${benchNames().join(", ")}`);
  process.exit(2);
}
const { benchmarks } = await run(filter ? { filter } : {});
printRates(benchmarks);
