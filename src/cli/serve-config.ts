import { TOKEN_HEX_DIGITS } from "../auth/client-tokens.ts";
import { AUTH_PREFIX } from "../auth/source-secret.ts";
import { MAX_USER_ID } from "../protocol/ascii.ts";
import type { ServerConfig } from "../server/server.ts";
import type { FlagValues } from "./flags.ts";
import { type SERVE_FLAGS, TLS_PORTS } from "./serve-flags.ts";
import { readTlsFiles } from "./tls-files.ts";
import { UsageError } from "./usage-error.ts";

export type ServeOptions = FlagValues<typeof SERVE_FLAGS>;

/** The longest client handshake with a token: the largest user id, a space, the token. */
const TOKEN_HANDSHAKE_BYTES = String(MAX_USER_ID).length + 1 + TOKEN_HEX_DIGITS;

/**
 * Turns `serve`'s flags into the server's configuration. Flags that only
 * make sense together are checked here (UsageError); the TLS files are read
 * last, so a usage mistake is reported before any file is touched
 * (TlsFileError).
 */
export function serverConfig(options: ServeOptions): ServerConfig {
  const maxLineBytes = options["max-line-bytes"];
  if (options["max-client-buffer"] < maxLineBytes + 2) {
    throw new UsageError(`--max-client-buffer: must hold at least one line (--max-line-bytes + 2 = ${maxLineBytes + 2} bytes)`);
  }
  const certFile = options["tls-cert"];
  const keyFile = options["tls-key"];
  if ((certFile === null) !== (keyFile === null))
    throw new UsageError(`${certFile === null ? "--tls-key" : "--tls-cert"}: needs ${certFile === null ? "--tls-cert" : "--tls-key"} too`);
  if (options["tls-ports"] !== null && certFile === null) throw new UsageError("--tls-ports: needs --tls-cert and --tls-key");
  const clientSecret = options["client-secret"];
  const sourceSecret = options["source-secret"];
  if (clientSecret !== null && maxLineBytes < TOKEN_HANDSHAKE_BYTES) {
    throw new UsageError(`--max-line-bytes: must be at least ${TOKEN_HANDSHAKE_BYTES} with --client-secret, to hold a user id and its token`);
  }
  if (sourceSecret !== null && maxLineBytes < AUTH_PREFIX.length + sourceSecret.length) {
    throw new UsageError(`--max-line-bytes: must be at least ${AUTH_PREFIX.length + sourceSecret.length} with this --source-secret, to hold its AUTH line`);
  }
  if (clientSecret !== null && clientSecret === sourceSecret) {
    throw new UsageError("--source-secret: must differ from --client-secret (every event source would hold the key to all user tokens)");
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
