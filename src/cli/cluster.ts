import { Edge } from "../cluster/edge.ts";
import { clusterKeys } from "../cluster/keys.ts";
import { RedisLink } from "../cluster/redis-link.ts";
import { parseRedisUrl, type RedisTarget } from "../cluster/redis-url.ts";
import { Sequencer, warmUpSequencer } from "../cluster/sequencer.ts";
import { EXIT_FAILURE, EXIT_OK, StartupError, UsageError } from "../errors.ts";
import { Logger, toStderr } from "../log/logger.ts";
import { clusterStatsLine } from "../metrics/cluster-metrics.ts";
import { releaseCodePages } from "../runtime/code-pages.ts";
import { warmUp } from "../server/warm-up.ts";
import { VERSION } from "../version.ts";
import type { EDGE_FLAGS, SEQUENCER_FLAGS } from "./cluster-flags.ts";
import { envName, type FlagValues, type Invocation, type Origin } from "./flags.ts";
import { readyToServe, serving } from "./ready-to-serve.ts";
import { type ServeOptions, serverConfig } from "./serve-config.ts";
import { SERVE_FLAGS } from "./serve-flags.ts";
import { listenerText, metricsText, webSocketText } from "./startup-line.ts";
import { readCaFile } from "./tls-files.ts";

export type SequencerOptions = FlagValues<typeof SEQUENCER_FLAGS>;
export type EdgeOptions = FlagValues<typeof EDGE_FLAGS>;

/** How long the sequencer lease lasts unrenewed: a standby takes over this long after the holder died (renewed every third of it). */
const LEASE_TTL_MS = 3_000;
/** XREAD BLOCK of an edge's tail: well under Redis's own timeouts, and the watchdog on its connection waits this plus a margin. */
const TAIL_BLOCK_MS = 2_000;
const TAIL_WATCHDOG_MARGIN_MS = 3_000;
/** Entries per XRANGE page and per XREAD: each entry is a batch, so this is up to some hundred thousand events. */
const ENTRIES_PER_READ = 100;
/** A command unanswered this long means Redis is gone (or frozen): the link is recreated. */
const COMMAND_TIMEOUT_MS = 5_000;

const SERVE_DEFAULTS = Object.fromEntries(Object.entries(SERVE_FLAGS).map(([name, flag]) => [name, flag.default])) as ServeOptions;

type RedisFlags = { redis: string | null; "redis-password": string | null; "redis-ca": string | null };

function redisTarget(options: RedisFlags, role: string, origin: Origin): RedisTarget {
  if (options.redis === null) throw new UsageError(`${role}: needs --redis URL (or ${envName("redis")}), as in --redis redis://127.0.0.1:6379`);
  const target = parseRedisUrl(options.redis, options["redis-password"]);
  if (options["redis-ca"] !== null && !target.tls)
    throw new UsageError(`${origin("redis-ca")}: is for TLS to Redis, which needs a rediss:// URL in ${origin("redis")}`);
  return target;
}

/**
 * The role's Redis and its `serve` configuration, every usage mistake
 * reported before any file is read (the TLS files, then --redis-ca).
 */
function roleSetup(options: RedisFlags & Partial<ServeOptions>, invocation: Invocation, log: Logger, role: string) {
  const target = redisTarget(options, role, invocation.origin);
  const base = roleConfig(options, invocation, log);
  const caFile = options["redis-ca"];
  return { target: caFile === null ? target : { ...target, ca: readCaFile(caFile) }, base };
}

/** SIGINT/SIGTERM stop gracefully once; a second one exits at once. */
function onSignals(log: Logger, stop: (signal: NodeJS.Signals) => Promise<unknown>, exited: PromiseWithResolvers<number>): void {
  let signalled = false;
  const handler = (signal: NodeJS.Signals) => {
    if (signalled) {
      log.warn(`${signal} again: exiting at once`);
      exited.resolve(EXIT_FAILURE);
      return;
    }
    signalled = true;
    stop(signal).then(() => exited.resolve(EXIT_OK));
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
}

/** A failure to start (Redis, a port, a TLS file, the stream's state) is one line and exit 1; anything else is a bug. */
function startFailure(log: Logger, error: unknown): number {
  if (!(error instanceof StartupError)) throw error;
  log.announce("error", `follower-maze: ${error.message}`);
  return error.exitStatus;
}

/**
 * The role's flags checked by `serve`'s own rules; the port of the stage the
 * role lacks is 0, so it never collides with the one it has.
 */
function roleConfig(options: Partial<ServeOptions>, { origin, warnings }: Invocation, log: Logger) {
  for (const warning of warnings) log.warn(warning);
  return serverConfig({ ...SERVE_DEFAULTS, "event-port": 0, "client-port": 0, ...options, "tls-ports": null }, origin);
}

function reportEvery(intervalMs: number, log: Logger, line: () => string): void {
  if (intervalMs === 0) return;
  let last = "";
  setInterval(() => {
    const now = line();
    if (now !== last) log.info(now);
    last = now;
  }, intervalMs).unref();
}

/** `follower-maze sequencer`: runs until SIGINT/SIGTERM; resolves to the exit status. */
export async function runSequencer(options: SequencerOptions, invocation: Invocation): Promise<number> {
  const log = new Logger(options["log-level"], toStderr, options["log-format"]);
  const { target, base } = roleSetup(options, invocation, log, "sequencer");
  let link: RedisLink;
  try {
    link = await RedisLink.open(target, log, { name: "sequencer", commandTimeoutMs: COMMAND_TIMEOUT_MS });
  } catch (error) {
    return startFailure(log, error);
  }
  const host = options.host;
  const keys = clusterKeys(options.stream);
  let sequencer: Sequencer;
  try {
    releaseCodePages();
    // Before listening, so the first real events already run compiled code.
    warmUpSequencer(link, keys, base.delimiter, base.maxPending);
    sequencer = new Sequencer(
      {
        keys,
        snapshotEvery: options["snapshot-every"],
        host,
        eventPort: base.eventPort,
        metricsPort: base.metricsPort,
        eventTls: base.eventTls,
        sourceSecret: base.sourceSecret,
        delimiter: base.delimiter,
        startSeq: base.startSeq,
        maxPending: base.maxPending,
        gapTimeoutMs: base.gapTimeoutMs,
        maxLineBytes: base.maxLineBytes,
        handshakeTimeoutMs: base.handshakeTimeoutMs,
        leaseTtlMs: LEASE_TTL_MS,
      },
      link,
      log,
      (eventPort, metricsPort) => {
        const ready = readyToServe(options["scheduler-slice"], options["code-pages-interval"]);
        log.announce(
          "info",
          `follower-maze ${VERSION} sequencer listening: events on ${listenerText(host, eventPort, base.eventTls !== null)}${metricsText(host, metricsPort)}`,
        );
        serving(ready, log);
      },
    );
  } catch (error) {
    link.close();
    return startFailure(log, error);
  }
  const exited = Promise.withResolvers<number>();
  onSignals(
    log,
    async (signal) => {
      log.info(`${signal}: storing what was read (up to ${options["shutdown-timeout"]} ms), then giving the lease back`);
      if (!(await sequencer.stop(options["shutdown-timeout"]))) log.warn("shutdown deadline passed with events not yet stored; they are lost unless resent");
      log.info(`stopped. ${clusterStatsLine(sequencer.stats())}`);
      link.close();
    },
    exited,
  );
  log.announce(
    "info",
    `follower-maze ${VERSION} sequencer started: Redis ${target.redacted}, stream ${options.stream}${metricsText(host, sequencer.metricsPort)}`,
  );
  reportEvery(base.statsIntervalMs, log, () => clusterStatsLine(sequencer.stats()));
  sequencer.run().then(
    () => {},
    (error) => {
      void sequencer.stop(0);
      link.close();
      exited.resolve(startFailure(log, error));
    },
  );
  return exited.promise;
}

/** `follower-maze edge`: runs until SIGINT/SIGTERM; resolves to the exit status. */
export async function runEdge(options: EdgeOptions, invocation: Invocation): Promise<number> {
  const log = new Logger(options["log-level"], toStderr, options["log-format"]);
  const { target, base } = roleSetup(options, invocation, log, "edge");
  let commands: RedisLink;
  let tail: RedisLink;
  try {
    commands = await RedisLink.open(target, log, { name: "edge", commandTimeoutMs: COMMAND_TIMEOUT_MS });
    tail = await RedisLink.open(target, log, { name: "edge tail", commandTimeoutMs: TAIL_BLOCK_MS + TAIL_WATCHDOG_MARGIN_MS });
  } catch (error) {
    return startFailure(log, error);
  }
  const host = options.host;
  let edge: Edge;
  try {
    releaseCodePages();
    // The stream's own delimiter is known only once its meta is read; the parser's code is the same for any.
    warmUp(base.delimiter, { path: "ordered-lines" });
    edge = new Edge(
      {
        keys: clusterKeys(options.stream),
        host,
        clientPort: base.clientPort,
        wsPort: base.wsPort,
        metricsPort: base.metricsPort,
        clientTls: base.clientTls,
        clientSecret: base.clientSecret,
        maxClients: base.maxClients,
        maxLineBytes: base.maxLineBytes,
        handshakeTimeoutMs: base.handshakeTimeoutMs,
        maxClientBuffer: base.maxClientBuffer,
        count: ENTRIES_PER_READ,
        blockMs: TAIL_BLOCK_MS,
      },
      commands,
      tail,
      log,
      (clientPort, wsPort, metricsPort) => {
        // An edge listens once it has caught up: what the replay alone ran goes too.
        const ready = readyToServe(options["scheduler-slice"], options["code-pages-interval"]);
        log.announce(
          "info",
          `follower-maze ${VERSION} edge listening: clients on ${listenerText(host, clientPort, base.clientTls !== null)}` +
            `${webSocketText(host, wsPort, base.clientTls !== null)}${metricsText(host, metricsPort)}`,
        );
        serving(ready, log);
      },
    );
  } catch (error) {
    commands.close();
    tail.close();
    return startFailure(log, error);
  }
  const exited = Promise.withResolvers<number>();
  const close = () => {
    commands.close();
    tail.close();
  };
  onSignals(
    log,
    async (signal) => {
      log.info(`${signal}: shutting down, flushing queued notifications (up to ${options["shutdown-timeout"]} ms)`);
      if (!(await edge.stop(options["shutdown-timeout"]))) log.warn("shutdown deadline passed with notifications still queued; closing anyway");
      log.info(`stopped. ${clusterStatsLine(edge.stats())}`);
      close();
    },
    exited,
  );
  log.announce(
    "info",
    `follower-maze ${VERSION} edge started: catching up from Redis ${target.redacted}, stream ${options.stream}${metricsText(host, edge.metricsPort)}`,
  );
  reportEvery(base.statsIntervalMs, log, () => clusterStatsLine(edge.stats()));
  edge.feed.run().then(
    () => {},
    (error) => {
      void edge.stop(0);
      close();
      exited.resolve(startFailure(log, error));
    },
  );
  return exited.promise;
}
