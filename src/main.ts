#!/usr/bin/env bun
import { run } from "./cli/commands.ts";
import { EXIT_FAILURE } from "./cli/usage-error.ts";

try {
  process.exit(await run(Bun.argv.slice(2), process.env));
} catch (error) {
  // A bug, not a user mistake: still one line, with the detail for a bug report.
  process.stderr.write(`follower-maze: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(EXIT_FAILURE);
}
