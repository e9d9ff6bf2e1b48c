import { EXIT_FAILURE, EXIT_OK, StartupError } from "../errors.ts";
import { Logger, toStderr } from "../log/logger.ts";
import { statsLine } from "../metrics/server-stats.ts";
import { releaseCodePages } from "../runtime/code-pages.ts";
import { Server } from "../server/server.ts";
import { warmUp } from "../server/warm-up.ts";
import { VERSION } from "../version.ts";
import type { Invocation } from "./flags.ts";
import { whenProcessExits } from "./process-watch.ts";
import { type Readiness, readyToServe, serving } from "./ready-to-serve.ts";
import { type ServeOptions, serverConfig } from "./serve-config.ts";
import { listenerText, metricsText, webSocketText } from "./startup-line.ts";

/**
 * Runs the server until SIGINT, SIGTERM or SIGHUP (or until the --parent-pid
 * process exits), then shuts down gracefully.
 * Resolves to the process exit status.
 */
export async function serve(options: ServeOptions, { origin, warnings }: Invocation): Promise<number> {
  const log = new Logger(options["log-level"], toStderr, options["log-format"]);
  for (const warning of warnings) log.warn(warning);
  let server: Server;
  let ready: Readiness;
  try {
    const config = serverConfig(options, origin);
    // What loading and configuring touched; the warm-up maps its own.
    releaseCodePages();
    // Before listening, so the first real events already run compiled code.
    warmUp(config.delimiter);
    server = new Server(config, log);
    // What only the warm-up and starting the listeners ran goes too.
    ready = readyToServe(options["scheduler-slice"], options["code-pages-interval"]);
  } catch (error) {
    if (error instanceof StartupError) {
      log.announce("error", `follower-maze: ${error.message}`);
      return error.exitStatus;
    }
    throw error;
  }
  const stopped = Promise.withResolvers<number>();
  let signalled = false;
  let stopWatching = () => {};
  const onSignal = (signal: string) => {
    if (signalled) {
      log.warn(`${signal} again: exiting without waiting for clients`);
      stopped.resolve(EXIT_FAILURE);
      return;
    }
    signalled = true;
    // A parent that exits while we shut down is no second request to hurry.
    stopWatching();
    log.info(`${signal}: shutting down, flushing queued notifications (up to ${options["shutdown-timeout"]} ms)`);
    server.shutdown(options["shutdown-timeout"]).then((flushed) => {
      if (!flushed) log.warn("shutdown deadline passed with notifications still queued; closing anyway");
      log.info(`stopped. ${statsLine(server.stats())}`);
      stopped.resolve(EXIT_OK);
    });
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  // Its default action would kill the server without flushing, and there is no
  // configuration to reload: flags and environment are read once.
  process.on("SIGHUP", onSignal);
  const parent = options["parent-pid"];
  if (parent !== null) stopWatching = whenProcessExits(parent, () => onSignal(`parent process ${parent} exited`));
  // Always printed, whatever the log level: scripts and tests read the ports from it.
  // Only once the signal handlers are in place, so a SIGTERM sent as soon as this
  // line is seen gets a graceful shutdown rather than the default, fatal action.
  const host = options.host;
  const clientTls = server.config.clientTls !== null;
  log.announce(
    "info",
    `follower-maze ${VERSION} listening: events on ${listenerText(host, server.eventPort, server.config.eventTls !== null)}, ` +
      `clients on ${listenerText(host, server.clientPort, clientTls)}${webSocketText(host, server.wsPort, clientTls)}${metricsText(host, server.metricsPort)}`,
  );
  serving(ready, log);
  return stopped.promise;
}
