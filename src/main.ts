#!/usr/bin/env bun
import { run } from "./cli/commands.ts";
import { fatalReport } from "./errors.ts";

try {
  process.exit(await run(Bun.argv.slice(2), process.env));
} catch (error) {
  // A user mistake is one line; anything else is a bug, printed with its stack for the report.
  const { text, exitStatus } = fatalReport(error);
  process.stderr.write(text);
  process.exit(exitStatus);
}
