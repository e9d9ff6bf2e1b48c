import { ClientTokens } from "../auth/client-tokens.ts";
import { EXIT_OK, InvalidValueError, UsageError } from "../errors.ts";
import { VERSION } from "../version.ts";
import { closest } from "./closest.ts";
import { EDGE_FLAGS, SEQUENCER_FLAGS } from "./cluster-flags.ts";
import { describeFlags, ENV_PREFIX, envName, type FlagTable, type FlagValues, type Invocation, parseFlags } from "./flags.ts";
import { SERVE_FLAGS } from "./serve-flags.ts";
import { SIMULATE_FLAGS } from "./simulate-flags.ts";
import { userId } from "./values.ts";

interface Command<F extends FlagTable> {
  synopsis: string;
  summary: string;
  flags: F;
  /** Positional arguments it takes at most. */
  arguments: number;
  /** Printed after the flags in --help. */
  notes?: string;
  exits: string;
  run(values: FlagValues<F>, invocation: Invocation): Promise<number>;
}

const command = <F extends FlagTable>(c: Command<F>): Command<FlagTable> => c as unknown as Command<FlagTable>;

const SECRETS_NOTE = `Pass secrets in the environment, not as flags: other users of the machine can see a
process's arguments (ps), but not its environment.
`;

/** `token` reads the secret exactly as `serve` does: same flag, same variable, same checks. */
const TOKEN_FLAGS = { "client-secret": SERVE_FLAGS["client-secret"] };

/**
 * Subcommands; `serve` is the default, so `follower-maze --event-port 9000`
 * serves. Each loads its own module when it runs: the binary is one bundle,
 * which evaluates at start every module imported statically, and a server
 * need not keep what the simulator's modules build as they load (their
 * tables alone left 0.9 MiB of anonymous memory in an idle compiled
 * program), nor the cluster's.
 */
const COMMANDS: Record<string, Command<FlagTable>> = {
  serve: command({
    synopsis: "follower-maze [serve] [flags]",
    summary: "reorders a stream of social events and notifies the right connected users",
    flags: SERVE_FLAGS,
    arguments: 0,
    notes: SECRETS_NOTE,
    exits:
      "0 after a clean shutdown (SIGINT/SIGTERM/SIGHUP), 1 when the server cannot start\n(for example a port already in use, or a TLS file it cannot read or use), 2 for a bad\nflag or environment value.",
    run: async (values, invocation) => (await import("./serve.ts")).serve(values, invocation),
  }),
  sequencer: command({
    synopsis: "follower-maze sequencer --redis URL [flags]",
    summary: "cluster mode: orders events from the event port into a Redis stream (one active, others standby)",
    flags: SEQUENCER_FLAGS,
    arguments: 0,
    notes: `${SECRETS_NOTE}The Redis password goes in ${envName("redis-password")} the same way.
`,
    exits:
      "0 after a clean shutdown (SIGINT/SIGTERM), 1 when it cannot start (Redis unreachable\nor refusing the password, a port in use, a TLS file, a stream it cannot continue), 2 for a\nbad flag or environment value, or a flag that belongs to another command.",
    run: async (values, invocation) => (await import("./cluster.ts")).runSequencer(values, invocation),
  }),
  edge: command({
    synopsis: "follower-maze edge --redis URL [flags]",
    summary: "cluster mode: follows the Redis stream and notifies its own connected users",
    flags: EDGE_FLAGS,
    arguments: 0,
    notes: `${SECRETS_NOTE}The Redis password goes in ${envName("redis-password")} the same way.
`,
    exits:
      "0 after a clean shutdown (SIGINT/SIGTERM), 1 when it cannot start (Redis unreachable\nor refusing the password, a port in use, a TLS file), 2 for a bad flag or environment\nvalue, or a flag that belongs to another command.",
    run: async (values, invocation) => (await import("./cluster.ts")).runEdge(values, invocation),
  }),
  simulate: command({
    synopsis: "follower-maze simulate [flags]",
    summary: "drives a running server with a generated event stream and verifies every notification",
    flags: SIMULATE_FLAGS,
    arguments: 0,
    exits:
      "0 when every client received exactly its notifications, 1 when one did not (the\nreport says which, what it expected and what it got), 2 for a bad flag or when the\nserver cannot be reached.",
    run: async (values, invocation) => (await import("./simulate.ts")).runSimulation(values, invocation),
  }),
  token: command({
    synopsis: "follower-maze token [flags] <userId>",
    summary: "prints the handshake token of a user, from the client secret",
    flags: TOKEN_FLAGS,
    arguments: 1,
    notes: SECRETS_NOTE,
    exits: `0 with the token printed, 2 without a client secret (${envName("client-secret")})\nor with a bad user id.`,
    run: token,
  }),
};

export function usage(name = "serve"): string {
  const c = COMMANDS[name] as Command<FlagTable>;
  const others = Object.keys(COMMANDS).filter((other) => other !== name);
  return `follower-maze ${VERSION}: ${c.summary}

Usage:
  ${c.synopsis}
  (other commands: ${others.join(", ")}; follower-maze help <command> describes one)

Flags (each may also be set by its environment variable; a flag wins over the environment):
${describeFlags(c.flags)}
  -h, --help                  print this help and exit
  -V, --version               print the version and exit
${c.notes === undefined ? "" : `\n${c.notes}`}
Exit status: ${c.exits}
`;
}

/** Runs the command line and resolves to the exit status. Usage mistakes print one line. */
export async function run(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  const first = argv[0];
  const named = first !== undefined && !first.startsWith("-");
  const name = named ? first : "serve";
  // A hint to a command's --help only where that help exists.
  let helpHint = "follower-maze --help";
  try {
    if (name === "help") return help(argv.slice(1));
    const c = COMMANDS[name];
    if (c === undefined) throw unknownCommand(name);
    if (named) helpHint = `follower-maze ${name} --help`;
    const args = named ? argv.slice(1) : argv;
    misplacedFlag(name, c.flags, args);
    const parsed = parseFlags(c.flags, args, env);
    if (parsed.help) {
      process.stdout.write(usage(name));
      return EXIT_OK;
    }
    if (parsed.version) {
      process.stdout.write(`follower-maze ${VERSION}\n`);
      return EXIT_OK;
    }
    const extra = parsed.positionals[c.arguments];
    if (extra !== undefined) throw new UsageError(`${named ? `${name}: ` : ""}unexpected argument ${JSON.stringify(extra)}`);
    return await c.run(parsed.values, { positionals: parsed.positionals, origin: parsed.origin, warnings: unknownVariables(env) });
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`follower-maze: ${error.message} (see ${helpHint})\n`);
    return error.exitStatus;
  }
}

/** A table has the flag by its name or by another name for it (a flag's `alias`, where the table gives one). */
function takes(flags: FlagTable, flag: string): boolean {
  return flag in flags || Object.values(flags).some((entry) => (entry as { alias?: string }).alias === flag);
}

/** A flag of another command (`edge --event-port`) is a usage error that says where it belongs. */
function misplacedFlag(name: string, flags: FlagTable, args: string[]): void {
  for (const arg of args) {
    if (arg === "--") return;
    const flag = /^--([a-z][a-z-]*)(?:=|$)/.exec(arg)?.[1];
    if (flag === undefined || takes(flags, flag) || flag === "help" || flag === "version") continue;
    const owners = Object.keys(COMMANDS).filter((other) => other !== name && takes((COMMANDS[other] as Command<FlagTable>).flags, flag));
    if (owners.length > 0)
      throw new UsageError(
        `--${flag} does not apply to follower-maze ${name} (it is a flag of ${owners.length > 1 ? `${owners.slice(0, -1).join(", ")} and ${owners.at(-1)}` : owners[0]})`,
      );
  }
}

/** `follower-maze help [command]`: the same text as `[command] --help`. */
function help([name, extra]: string[]): number {
  if (extra !== undefined) throw new UsageError(`help: unexpected argument ${JSON.stringify(extra)}`);
  if (name !== undefined && COMMANDS[name] === undefined) throw unknownCommand(name);
  process.stdout.write(usage(name));
  return EXIT_OK;
}

function unknownCommand(name: string): UsageError {
  const names = Object.keys(COMMANDS);
  const guess = closest(name, [...names, "help"]);
  return new UsageError(`unknown command ${JSON.stringify(name)}${guess === null ? "" : ` (did you mean ${guess}?)`}; commands: ${names.join(", ")}, help`);
}

/** Every variable some command reads. */
const KNOWN_VARIABLES = [...new Set(Object.values(COMMANDS).flatMap((c) => Object.keys(c.flags).map((flag) => envName(flag, c.flags))))];

/**
 * A FOLLOWER_MAZE_* variable no command reads is almost always a typo, and a
 * setting that silently does nothing is worse than a warning.
 */
function unknownVariables(env: Record<string, string | undefined>): string[] {
  // Compared without the prefix, which every candidate shares and which would make any two names look alike.
  const known = KNOWN_VARIABLES.filter((variable) => variable.startsWith(ENV_PREFIX)).map((variable) => variable.slice(ENV_PREFIX.length));
  return Object.keys(env)
    .filter((variable) => variable.startsWith(ENV_PREFIX) && !KNOWN_VARIABLES.includes(variable))
    .sort()
    .map((variable) => {
      const guess = closest(variable.slice(ENV_PREFIX.length), known);
      return `${variable} is not a variable follower-maze reads${guess === null ? "" : `; did you mean ${ENV_PREFIX}${guess}?`}`;
    });
}

async function token(values: FlagValues<typeof TOKEN_FLAGS>, { positionals: [id], warnings }: Invocation): Promise<number> {
  for (const warning of warnings) process.stderr.write(`follower-maze: warning: ${warning}\n`);
  if (id === undefined) throw new UsageError("token: expected a user id, as in: follower-maze token 42");
  const secret = values["client-secret"];
  if (secret === null) throw new UsageError(`token: needs the client secret in ${envName("client-secret")} (or --client-secret)`);
  let user: number;
  try {
    user = userId(id);
  } catch (problem) {
    if (!(problem instanceof InvalidValueError)) throw problem;
    throw new UsageError(`token: ${problem.message}`);
  }
  process.stdout.write(`${new ClientTokens(secret).token(user)}\n`);
  return EXIT_OK;
}
