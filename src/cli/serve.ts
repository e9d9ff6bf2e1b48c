import { Logger, toStderr } from "../log/logger.ts";
import { statsLine } from "../metrics/server-stats.ts";
import { formatAddress, ListenError } from "../net/listen.ts";
import { Server } from "../server/server.ts";
import { VERSION } from "../version.ts";
import { type ServeOptions, serverConfig } from "./serve-config.ts";
import { TlsFileError } from "./tls-files.ts";
import { EXIT_FAILURE, EXIT_OK } from "./usage-error.ts";

/**
 * Runs the server until SIGINT or SIGTERM, then shuts down gracefully.
 * Resolves to the process exit status.
 */
export async function serve(options: ServeOptions): Promise<number> {
  const log = new Logger(options["log-level"], toStderr, options["log-format"]);
  let server: Server;
  try {
    server = new Server(serverConfig(options), log);
  } catch (error) {
    if (error instanceof ListenError || error instanceof TlsFileError) {
      log.announce("error", `follower-maze: ${error.message}`);
      return EXIT_FAILURE;
    }
    throw error;
  }
  const stopped = Promise.withResolvers<number>();
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      log.warn(`${signal} again: exiting without waiting for clients`);
      stopped.resolve(EXIT_FAILURE);
      return;
    }
    signalled = true;
    log.info(`${signal}: shutting down, flushing queued notifications (up to ${options["shutdown-timeout"]} ms)`);
    server.shutdown(options["shutdown-timeout"]).then((flushed) => {
      if (!flushed) log.warn("shutdown deadline passed with notifications still queued; closing anyway");
      log.info(`stopped. ${statsLine(server.stats())}`);
      stopped.resolve(EXIT_OK);
    });
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  // Always printed, whatever the log level: scripts and tests read the ports from it.
  // Only once the signal handlers are in place, so a SIGTERM sent as soon as this
  // line is seen gets a graceful shutdown rather than the default, fatal action.
  const where = (port: number, tls: boolean) => `${formatAddress(options.host, port)}${tls ? " (TLS)" : ""}`;
  const metrics = server.metricsPort === null ? "" : `, metrics on http://${formatAddress(options.host, server.metricsPort)}`;
  log.announce(
    "info",
    `follower-maze ${VERSION} listening: events on ${where(server.eventPort, server.config.eventTls !== null)}, ` +
      `clients on ${where(server.clientPort, server.config.clientTls !== null)}${metrics}`,
  );
  return stopped.promise;
}
