import { parseArgs } from "node:util";
import { InvalidValueError, systemErrorCode, UsageError } from "../errors.ts";
import type { ValueParser } from "./values.ts";

/** One `--name VALUE` flag, also settable as `FOLLOWER_MAZE_<NAME>` or its own `env` variable. */
export interface Flag<T> {
  value: string;
  /** The environment variable, when not `FOLLOWER_MAZE_<NAME>` (the simulator keeps the original harness's names). */
  env?: string;
  /** Another name for the flag (the simulator also takes the server's names for the same ports). */
  alias?: string;
  help: string;
  default: T;
  parse: ValueParser<T>;
  /** How the default is shown in --help when `String(default)` is not right. */
  shownDefault?: string;
}

export type FlagTable = Record<string, Flag<unknown>>;
export type FlagValues<F extends FlagTable> = { [K in keyof F]: F[K] extends Flag<infer T> ? T : never };

export const ENV_PREFIX = "FOLLOWER_MAZE_";

export function envName(flag: string, table?: FlagTable): string {
  return table?.[flag]?.env ?? ENV_PREFIX + flag.toUpperCase().replaceAll("-", "_");
}

/** Where a flag's value came from, as the user wrote it: `--name` or the variable (a default counts as the flag). */
export type Origin = (flag: string) => string;

export const flagOrigin: Origin = (flag) => `--${flag}`;

/** What a command gets besides its flag values. */
export interface Invocation {
  positionals: string[];
  /** Where each flag's value came from, so a check across flags names what the user set. */
  origin: Origin;
  /** Lines the command should log as warnings (it knows the log format). */
  warnings: string[];
}

export interface ParsedCommandLine<F extends FlagTable> {
  help: boolean;
  version: boolean;
  values: FlagValues<F>;
  positionals: string[];
  /** So a check across flags names what the user wrote, the flag or the variable. */
  origin: Origin;
}

/**
 * Resolves every flag with the precedence flag > environment > default.
 * Any mistake becomes a one-line UsageError naming the flag or variable.
 */
export function parseFlags<F extends FlagTable>(table: F, argv: string[], env: Record<string, string | undefined>): ParsedCommandLine<F> {
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {
    help: { type: "boolean", short: "h" },
    version: { type: "boolean", short: "V" },
  };
  for (const [name, flag] of Object.entries(table)) {
    options[name] = { type: "string" };
    if (flag.alias !== undefined) options[flag.alias] = { type: "string" };
  }

  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: joinNegativeValues(table, argv), options, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError(describeParseError(error as Error));
  }
  const given = parsed.values as Record<string, string | boolean | undefined>;

  const values: Record<string, unknown> = {};
  const origins = new Map<string, string>();
  for (const [name, flag] of Object.entries(table)) {
    const alias = flag.alias !== undefined && given[flag.alias] !== undefined ? flag.alias : name;
    const fromFlag = given[alias] as string | undefined;
    const variable = envName(name, table);
    const fromEnv = env[variable];
    const [raw, source] = fromFlag !== undefined ? [fromFlag, `--${alias}`] : fromEnv !== undefined && fromEnv !== "" ? [fromEnv, variable] : [undefined, ""];
    if (raw === undefined) {
      values[name] = flag.default;
      continue;
    }
    origins.set(name, source);
    try {
      values[name] = flag.parse(raw);
    } catch (problem) {
      if (!(problem instanceof InvalidValueError)) throw problem;
      throw new UsageError(`${source}: ${problem.message}`);
    }
  }
  return {
    help: given.help === true,
    version: given.version === true,
    values: values as FlagValues<F>,
    positionals: parsed.positionals,
    origin: (flag) => origins.get(flag) ?? flagOrigin(flag),
  };
}

/**
 * parseArgs reads `--max-clients -1` as a flag without its value followed by
 * an unknown flag `-1`; as `--max-clients=-1` the value reaches its parser,
 * which can say what range it expected.
 */
function joinNegativeValues(table: FlagTable, argv: string[]): string[] {
  const joined: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") return joined.concat(argv.slice(i));
    const next = argv[i + 1];
    if (next !== undefined && /^-\d/.test(next) && arg.startsWith("--") && Object.hasOwn(table, arg.slice(2))) {
      joined.push(`${arg}=${next}`);
      i++;
    } else {
      joined.push(arg);
    }
  }
  return joined;
}

function describeParseError(error: Error): string {
  const option = /'([^']+)'/.exec(error.message)?.[1];
  switch (systemErrorCode(error)) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown flag ${option ?? ""}`.trim();
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE": {
      // The option is quoted as "--name <value>" or "-h, --help".
      const words = option?.split(/[ ,]+/) ?? [];
      const flag = words.find((word) => word.startsWith("--")) ?? words[0] ?? "a flag";
      return error.message.includes("does not take") ? `${flag} does not take a value` : `${flag} needs a value`;
    }
    default:
      return error.message.split("\n")[0] as string;
  }
}

/** The flag section of --help, generated from the same table the parser uses. */
export function describeFlags(table: FlagTable): string {
  const rows = Object.entries(table).map(([name, flag]) => {
    const left = `  --${name} ${flag.value}`;
    const shown = flag.shownDefault ?? String(flag.default);
    const alias = flag.alias === undefined ? "" : `; also --${flag.alias}`;
    return `${left.padEnd(30)}${flag.help}\n${" ".repeat(30)}default ${shown}; env ${envName(name, table)}${alias}`;
  });
  return rows.join("\n");
}
