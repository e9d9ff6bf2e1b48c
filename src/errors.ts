/**
 * Every error follower-maze raises on purpose, as one family of coded classes
 * (in the style of undici's lib/core/errors.js): a stable `code` that tests
 * and callers can match instead of a message, and the exit status the README
 * documents for it. Anything else that reaches the top is a bug.
 */

/** Exit statuses, as documented in the README (Exit status). */
export const EXIT_OK = 0;
/** The server could not start (a port in use, an address not on this machine) or failed while running; `simulate` found a wrong stream. */
export const EXIT_FAILURE = 1;
/** The command line or environment was wrong; `simulate` could not reach the server. */
export const EXIT_USAGE = 2;

export abstract class FollowerMazeError extends Error {
  abstract override readonly name: string;
  abstract readonly code: string;
  /** The process exit status when this error ends a command. */
  abstract readonly exitStatus: number;
  /** A mistake the user can fix, told in one line without a stack; false for a bug. */
  readonly userFacing: boolean = true;
}

/** A mistake in the command line or environment; its message is one line for the user. */
export class UsageError extends FollowerMazeError {
  override readonly name: string = "UsageError";
  override readonly code: string = "FM_ERR_USAGE";
  override readonly exitStatus = EXIT_USAGE;
}

/**
 * A flag or environment value a parser rejects. The message says what was
 * expected but not where the value came from: the flag parser adds that.
 */
export class InvalidValueError extends UsageError {
  override readonly name = "InvalidValueError";
  override readonly code = "FM_ERR_INVALID_VALUE";
}

/** The server cannot start; the message is fit for the operator as is. */
export class StartupError extends FollowerMazeError {
  override readonly name: string = "StartupError";
  override readonly code: string = "FM_ERR_STARTUP";
  override readonly exitStatus = EXIT_FAILURE;
}

/** A listener could not be opened; the message names the role, port and address. */
export class ListenError extends StartupError {
  override readonly name = "ListenError";
  override readonly code = "FM_ERR_LISTEN";
}

/** A TLS file that cannot be read or used; the message names the flag and file. */
export class TlsFileError extends StartupError {
  override readonly name = "TlsFileError";
  override readonly code = "FM_ERR_TLS_FILE";
}

/** Redis cannot be reached or refuses us at startup; the message names the URL (without its password). */
export class RedisConnectionError extends StartupError {
  override readonly name = "RedisConnectionError";
  override readonly code = "FM_ERR_REDIS_CONNECTION";
}

/** A connection the simulator could not open: the server is not there (exit 2, as the README says for `simulate`). */
export class ConnectError extends FollowerMazeError {
  override readonly name = "ConnectError";
  override readonly code = "FM_ERR_CONNECT";
  override readonly exitStatus = EXIT_USAGE;
}

/** A broken invariant: a bug in follower-maze, reported with its stack. */
export class InternalError extends FollowerMazeError {
  override readonly name = "InternalError";
  override readonly code = "FM_ERR_INTERNAL";
  override readonly exitStatus = EXIT_FAILURE;
  override readonly userFacing = false;
}

/**
 * The `code` of a Node or Bun system error (`EADDRINUSE`, `ENOENT`,
 * `ERR_OSSL_...`, `ERR_PARSE_ARGS_...`), or undefined when it has none.
 */
export function systemErrorCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const code = (error as Record<string, unknown>).code;
  return typeof code === "string" ? code : undefined;
}

/** An error's message, whatever was thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * What the process prints and exits with when `error` ends it: one line for
 * a mistake the user can fix, the stack for a bug (so it can be reported).
 */
export function fatalReport(error: unknown, program = "follower-maze"): { text: string; exitStatus: number } {
  if (error instanceof FollowerMazeError && error.userFacing) return { text: `${program}: ${error.message}\n`, exitStatus: error.exitStatus };
  const detail = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
  return { text: `${program}: internal error (a bug; please report it with what follows):\n${detail}\n`, exitStatus: EXIT_FAILURE };
}
