import { VERSION } from "../version.ts";
import { describeFlags, parseFlags } from "./flags.ts";
import { serve } from "./serve.ts";
import { SERVE_FLAGS } from "./serve-flags.ts";
import { EXIT_OK, EXIT_USAGE, UsageError } from "./usage-error.ts";

/** Subcommands; `serve` is the default, so `follower-maze --event-port 9000` serves. */
const COMMANDS: Record<string, (argv: string[], env: Record<string, string | undefined>) => Promise<number>> = {
  serve: runServe,
};

export function usage(): string {
  return `follower-maze ${VERSION}: reorders a stream of social events and notifies the right connected users

Usage:
  follower-maze [serve] [flags]

Flags (each may also be set by its environment variable; a flag wins over the environment):
${describeFlags(SERVE_FLAGS)}
  -h, --help                  print this help and exit
  -V, --version               print the version and exit

Exit status: 0 after a clean shutdown (SIGINT/SIGTERM), 1 when the server cannot start
(for example a port already in use), 2 for a bad flag or environment value.
`;
}

/** Runs the command line and resolves to the exit status. Usage mistakes print one line. */
export async function run(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  const first = argv[0];
  const named = first !== undefined && !first.startsWith("-");
  const command = named ? COMMANDS[first] : runServe;
  try {
    if (command === undefined) throw new UsageError(`unknown command ${JSON.stringify(first)}; commands: ${Object.keys(COMMANDS).join(", ")}`);
    return await command(named ? argv.slice(1) : argv, env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`follower-maze: ${error.message} (see follower-maze --help)\n`);
    return EXIT_USAGE;
  }
}

async function runServe(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  const parsed = parseFlags(SERVE_FLAGS, argv, env);
  if (parsed.help) {
    process.stdout.write(usage());
    return EXIT_OK;
  }
  if (parsed.version) {
    process.stdout.write(`follower-maze ${VERSION}\n`);
    return EXIT_OK;
  }
  if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[0])}`);
  return serve(parsed.values);
}
