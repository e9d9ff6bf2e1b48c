import { TOKEN_HEX_DIGITS } from "../auth/client-tokens.ts";
import { AUTH_PREFIX } from "../auth/source-secret.ts";
import { UsageError } from "../errors.ts";
import { MAX_USER_ID } from "../protocol/ascii.ts";
import type { ServerConfig } from "../server/server.ts";
import { envName, type FlagValues, flagOrigin, type Origin } from "./flags.ts";
import { type SERVE_FLAGS, TLS_PORTS } from "./serve-flags.ts";
import { readTlsFiles } from "./tls-files.ts";

export type ServeOptions = FlagValues<typeof SERVE_FLAGS>;

/** The longest client handshake with a token: the largest user id, a space, the token. */
const TOKEN_HANDSHAKE_BYTES = String(MAX_USER_ID).length + 1 + TOKEN_HEX_DIGITS;

/**
 * Turns `serve`'s flags into the server's configuration. Flags that only
 * make sense together are checked here (UsageError), naming each as the user
 * set it (`origin`: the flag or its variable); the TLS files are read last,
 * so a usage mistake is reported before any file is touched (TlsFileError).
 */
export function serverConfig(options: ServeOptions, origin: Origin = flagOrigin): ServerConfig {
  const maxLineBytes = options["max-line-bytes"];
  if (options["max-client-buffer"] < maxLineBytes + 2) {
    throw new UsageError(`${origin("max-client-buffer")}: must hold at least one line (--max-line-bytes + 2 = ${maxLineBytes + 2} bytes)`);
  }
  checkDistinctPorts(options, origin);
  const certFile = options["tls-cert"];
  const keyFile = options["tls-key"];
  if ((certFile === null) !== (keyFile === null)) {
    const [given, missing] = certFile === null ? ["tls-key", "tls-cert"] : ["tls-cert", "tls-key"];
    throw new UsageError(`${origin(given)}: needs ${either(missing)} too`);
  }
  if (options["tls-ports"] !== null && certFile === null) throw new UsageError(`${origin("tls-ports")}: needs ${either("tls-cert")} and ${either("tls-key")}`);
  const clientSecret = options["client-secret"];
  const sourceSecret = options["source-secret"];
  if (clientSecret !== null && maxLineBytes < TOKEN_HANDSHAKE_BYTES) {
    throw new UsageError(
      `${origin("max-line-bytes")}: must be at least ${TOKEN_HANDSHAKE_BYTES} with ${origin("client-secret")}, to hold a user id and its token`,
    );
  }
  if (sourceSecret !== null && maxLineBytes < AUTH_PREFIX.length + sourceSecret.length) {
    throw new UsageError(
      `${origin("max-line-bytes")}: must be at least ${AUTH_PREFIX.length + sourceSecret.length} with this ${origin("source-secret")}, to hold its AUTH line`,
    );
  }
  if (clientSecret !== null && clientSecret === sourceSecret) {
    throw new UsageError(`${origin("source-secret")}: must differ from ${origin("client-secret")} (every event source would hold the key to all user tokens)`);
  }

  const tls = certFile === null || keyFile === null ? null : readTlsFiles(certFile, keyFile);
  const tlsPorts = options["tls-ports"] ?? TLS_PORTS;
  return {
    host: options.host,
    eventPort: options["event-port"],
    clientPort: options["client-port"],
    delimiter: options.delimiter,
    startSeq: options["start-seq"],
    maxPending: options["max-pending"],
    gapTimeoutMs: options["gap-timeout"],
    maxLineBytes,
    handshakeTimeoutMs: options["handshake-timeout"],
    maxClientBuffer: options["max-client-buffer"],
    statsIntervalMs: options["stats-interval"],
    metricsPort: options["metrics-port"],
    eventTls: tlsPorts.includes("events") ? tls : null,
    clientTls: tlsPorts.includes("clients") ? tls : null,
    clientSecret,
    sourceSecret,
    maxClients: options["max-clients"],
  };
}

/** A flag the user did not set, as either spelling they could use. */
const either = (flag: string) => `--${flag} (or ${envName(flag)})`;

/** The ports `serve` listens on; two listeners cannot share one, though 0 (any free port) may repeat. */
const LISTENER_PORTS = ["event-port", "client-port", "metrics-port"] as const;

/** Caught here, since the second listener would otherwise report its own port as "already in use". */
function checkDistinctPorts(options: ServeOptions, origin: Origin): void {
  const taken = new Map<number, string>();
  for (const flag of LISTENER_PORTS) {
    const port = options[flag];
    if (port === null || port === 0) continue;
    const other = taken.get(port);
    if (other !== undefined)
      throw new UsageError(`${origin(flag)}: port ${port} is already given to ${other}; each listener needs its own port (0 picks a free one)`);
    taken.set(port, origin(flag));
  }
}
