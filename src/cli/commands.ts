import { ClientTokens } from "../auth/client-tokens.ts";
import { VERSION } from "../version.ts";
import { type FlagTable, type ParsedCommandLine, describeFlags, envName, parseFlags } from "./flags.ts";
import { serve } from "./serve.ts";
import { SERVE_FLAGS } from "./serve-flags.ts";
import { EXIT_OK, EXIT_USAGE, UsageError } from "./usage-error.ts";
import { userId } from "./values.ts";

/** Subcommands; `serve` is the default, so `follower-maze --event-port 9000` serves. */
const COMMANDS: Record<string, (argv: string[], env: Record<string, string | undefined>) => Promise<number>> = {
  serve: runServe,
  token: runToken,
};

/** `token` reads the secret exactly as `serve` does: same flag, same variable, same checks. */
const TOKEN_FLAGS = { "client-secret": SERVE_FLAGS["client-secret"] };

export function usage(): string {
  return `follower-maze ${VERSION}: reorders a stream of social events and notifies the right connected users

Usage:
  follower-maze [serve] [flags]
  follower-maze token <userId>  print the handshake token of a user, from the client secret
                                (${envName("client-secret")} or --client-secret)

Flags (each may also be set by its environment variable; a flag wins over the environment):
${describeFlags(SERVE_FLAGS)}
  -h, --help                  print this help and exit
  -V, --version               print the version and exit

Pass secrets in the environment, not as flags: other users of the machine can see a
process's arguments (ps), but not its environment.

Exit status: 0 after a clean shutdown (SIGINT/SIGTERM), 1 when the server cannot start
(for example a port already in use, or a TLS file it cannot read or use), 2 for a bad
flag or environment value.
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

/** Handles --help and --version, which every command takes; returns whether it did. */
function answeredHelpOrVersion(parsed: ParsedCommandLine<FlagTable>): boolean {
  if (parsed.help) process.stdout.write(usage());
  else if (parsed.version) process.stdout.write(`follower-maze ${VERSION}\n`);
  return parsed.help || parsed.version;
}

async function runServe(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  const parsed = parseFlags(SERVE_FLAGS, argv, env);
  if (answeredHelpOrVersion(parsed)) return EXIT_OK;
  if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[0])}`);
  return serve(parsed.values);
}

async function runToken(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  const parsed = parseFlags(TOKEN_FLAGS, argv, env);
  if (answeredHelpOrVersion(parsed)) return EXIT_OK;
  const [id, extra] = parsed.positionals;
  if (id === undefined) throw new UsageError("token: expected a user id, as in: follower-maze token 42");
  if (extra !== undefined) throw new UsageError(`token: unexpected argument ${JSON.stringify(extra)}`);
  const secret = parsed.values["client-secret"];
  if (secret === null) throw new UsageError(`token: needs the client secret in ${envName("client-secret")} (or --client-secret)`);
  let user: number;
  try {
    user = userId(id);
  } catch (problem) {
    throw new UsageError(`token: ${String(problem)}`);
  }
  process.stdout.write(`${new ClientTokens(secret).token(user)}\n`);
  return EXIT_OK;
}
