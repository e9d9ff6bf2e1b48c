/** Exit statuses, as documented in the README. */
export const EXIT_OK = 0;
/** The server could not start (a port in use, an address not on this machine) or failed while running; `simulate` found a wrong stream. */
export const EXIT_FAILURE = 1;
/** The command line or environment was wrong; `simulate` could not reach the server. */
export const EXIT_USAGE = 2;

/** A mistake in the command line or environment; its message is one line for the user. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}
