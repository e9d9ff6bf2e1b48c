import { SourceSecret } from "../auth/source-secret.ts";
import { Engine } from "../engine/engine.ts";
import { errorMessage } from "../errors.ts";
import type { Logger } from "../log/logger.ts";
import { renderSequencerMetrics, type SequencerStats } from "../metrics/cluster-metrics.ts";
import { Histogram } from "../metrics/histogram.ts";
import { DELIVERY_LATENCY } from "../metrics/server-metrics.ts";
import { NO_SERVER_STATS } from "../metrics/server-stats.ts";
import { EventSources, type SourcePipeline } from "../net/event-sources.ts";
import { SYSTEM_TIMERS } from "../net/handshake.ts";
import { MetricsEndpoint } from "../net/metrics-endpoint.ts";
import { GapWatch } from "../ordering/gap-watch.ts";
import type { LineFramer } from "../protocol/line-framer.ts";
import { engineLog, reportFailure, sourceLog } from "../server/operator-log.ts";
import type { ServerConfig } from "../server/server.ts";
import { warmUp } from "../server/warm-up.ts";
import { FollowGraph } from "./follow-graph.ts";
import type { ClusterKeys } from "./keys.ts";
import { Lease, LeaseLostError } from "./lease.ts";
import { type RedisLink, RedisUnavailableError } from "./redis-link.ts";
import { type AppenderHooks, StreamAppender } from "./stream-appender.ts";
import { streamTop } from "./stream-reader.ts";
import { type StreamState, takeOver } from "./takeover.ts";

export interface SequencerConfig
  extends Pick<
    ServerConfig,
    | "host"
    | "eventPort"
    | "metricsPort"
    | "eventTls"
    | "sourceSecret"
    | "delimiter"
    | "startSeq"
    | "maxPending"
    | "gapTimeoutMs"
    | "maxLineBytes"
    | "handshakeTimeoutMs"
  > {
  keys: ClusterKeys;
  snapshotEvery: number;
  /** How long the lease lasts unrenewed: a standby takes over this long after the sequencer died. */
  leaseTtlMs: number;
}

/** The largest entry the appender builds from queued batches (Redis takes up to 512 MB; this keeps each XADD short). */
const MAX_ENTRY_BYTES = 1024 * 1024;

/** Hooks of an appender nobody listens to: the warm-up's. */
const UNHEARD: AppenderHooks = {
  appended() {},
  room() {},
  paused() {},
  redisError() {},
  snapshotted() {},
  leaseLost: async () => false,
};

/**
 * The warm-up (server/warm-up.ts) with a stopped appender as a term builds
 * one as the engine's sink, so the engine's calls into it are those the
 * first real events make, compiled before the event port opens (warmed up
 * through the fan-out instead, the engine's hot functions were compiled
 * again during the first events: 250 of the 360 ms JSC compiled in a
 * sequencer during a 20,000 events/s run). Nothing reaches Redis.
 */
export function warmUpSequencer(link: RedisLink, keys: ClusterKeys, delimiter: number, maxPending: number): void {
  const appender = new StreamAppender(
    link,
    new Lease(link, keys.sequencer, 1),
    keys,
    "warm-up",
    new FollowGraph(),
    { top: 0, snapshot: 0 },
    maxPending,
    { snapshotEvery: Number.MAX_SAFE_INTEGER, maxEntryBytes: MAX_ENTRY_BYTES, clock: () => performance.now() },
    UNHEARD,
  );
  void appender.stop();
  warmUp(delimiter, { sink: appender, timed: false });
}

/**
 * One term of holding the lease: the event port open, the engine ordering
 * events into the stream appender. Ends when the lease is lost or on stop.
 */
class Term {
  readonly engine: Engine;
  readonly appender: StreamAppender;
  readonly sources: EventSources;
  private readonly timers: ReturnType<typeof setInterval>[] = [];
  readonly ended = Promise.withResolvers<string>();
  /** A renewal still waiting for Redis: the next tick does not start another. */
  private renewing = false;

  constructor(
    private readonly sequencer: Sequencer,
    readonly state: StreamState,
    readonly lease: Lease,
  ) {
    const { config, log, link } = sequencer;
    const next = state.top > 0 ? state.top + 1 : config.startSeq;
    if (state.top > 0 && config.startSeq !== 1 && config.startSeq !== next)
      log.warn(`--start-seq ${config.startSeq} ignored: the stream already ends at ${state.top}`);
    this.appender = new StreamAppender(
      link,
      lease,
      config.keys,
      state.epoch,
      state.graph,
      { top: state.top, snapshot: state.snapshot },
      config.maxPending,
      { snapshotEvery: config.snapshotEvery, maxEntryBytes: MAX_ENTRY_BYTES, clock: () => performance.now() },
      {
        appended: (events, latencyMs) => {
          sequencer.counters.appended += events;
          sequencer.appendLatency.observe(latencyMs / 1000, events);
        },
        room: () => this.sources.flow(this.full),
        paused: (reason) => {
          if (reason === null) log.info("Redis takes appends again: event sources resume as the backlog drains");
          else log.warn(`cannot append to Redis (${reason}): holding events, event sources pause at --max-pending ${config.maxPending}`);
        },
        redisError: () => sequencer.counters.redisErrors++,
        snapshotted: (seq, bytes) => log.info(`snapshot of the follower graph at ${seq} written (${bytes} bytes); the stream trimmed up to the one before`),
        leaseLost: (error) => this.leaseLost(error),
      },
    );
    this.engine = new Engine({ delimiter: config.delimiter, startSeq: next, maxPending: config.maxPending }, this.appender, engineLog(log));
    const engine = this.engine;
    const appender = this.appender;
    const pipeline: SourcePipeline = {
      line: (buf, start, end) => engine.line(buf, start, end),
      oversized: (length) => engine.oversized(length),
      read: (framer: LineFramer, chunk: Uint8Array) => engine.read(framer, chunk) || appender.full,
      counters: engine.counters,
    };
    this.sources = new EventSources(
      {
        host: config.host,
        port: sequencer.eventPort ?? config.eventPort,
        maxLineBytes: config.maxLineBytes,
        tls: config.eventTls,
        secret: config.sourceSecret === null ? null : new SourceSecret(config.sourceSecret),
        handshakeTimeoutMs: config.handshakeTimeoutMs,
        timers: SYSTEM_TIMERS,
      },
      pipeline,
      sourceLog(log, () =>
        engine.full ? `${engine.pending} events held, waiting for seq ${engine.next}` : `${appender.backlog} events not yet stored in Redis`,
      ),
    );
    if (config.gapTimeoutMs > 0) {
      const watch = new GapWatch(config.gapTimeoutMs);
      this.every(watch.tickMs, () => {
        if (watch.tick(performance.now(), engine.next, engine.pending)) {
          engine.skipGap();
          this.sources.flow(this.full);
        }
      });
    }
    this.every(Math.max(100, Math.floor(config.leaseTtlMs / 3)), () => void this.renew());
  }

  get full(): boolean {
    return this.engine.full || this.appender.full;
  }

  /** Closes the event port and stops appending; what was not stored yet is lost (README "Running a cluster"). */
  async end(why: string): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.sources.close();
    await this.appender.stop();
    this.ended.resolve(why);
  }

  private async renew(): Promise<void> {
    if (this.renewing) return;
    this.renewing = true;
    try {
      if (!(await this.lease.renew()) && !(await this.regain())) await this.end(`lost the lease ${this.lease.key} to another sequencer`);
    } catch {
      // Redis is away: the appender reports it; the lease is checked again on the next tick.
    } finally {
      this.renewing = false;
    }
  }

  private async leaseLost(error: LeaseLostError): Promise<boolean> {
    try {
      if (await this.regain()) return true;
    } catch {
      // Cannot tell: treat it as lost, the safe side.
    }
    void this.end(error.message);
    return false;
  }

  /**
   * The lease lapsed while Redis was away or slow. If it is free and nobody
   * wrote meanwhile (the top is what we stored), taking it again continues
   * this term as if nothing happened; otherwise the term is over.
   */
  private async regain(): Promise<boolean> {
    const { link, config, log } = this.sequencer;
    if (!(await this.lease.acquire())) return false;
    const top = await streamTop(link, config.keys);
    if (top !== this.appender.stored) {
      await this.lease.release();
      return false;
    }
    log.warn(`the lease ${this.lease.key} had lapsed; took it back (the stream still ends at ${top}, as we left it)`);
    return true;
  }

  private every(intervalMs: number, tick: () => void): void {
    const timer = setInterval(tick, intervalMs);
    timer.unref();
    this.timers.push(timer);
  }
}

/**
 * `follower-maze sequencer`: waits for the lease (a standby, not listening),
 * then rebuilds its state from Redis, opens the event port and appends
 * ordered events to the stream until it loses the lease, when it goes back
 * to waiting. The metrics endpoint lives across terms.
 */
export class Sequencer {
  readonly counters = { appended: 0, redisErrors: 0, terms: 0 };
  readonly appendLatency = new Histogram(DELIVERY_LATENCY.buckets);
  private readonly endpoint: MetricsEndpoint | null;
  private term: Term | null = null;
  private stopping = false;
  private readonly woken = Promise.withResolvers<void>();
  /** The event port of the first term, kept for the later ones (it may have been 0: any free port). */
  eventPort: number | null = null;

  constructor(
    readonly config: SequencerConfig,
    readonly link: RedisLink,
    readonly log: Logger,
    /** Called with the event port each time a term starts listening. */
    private readonly listening: (eventPort: number, metricsPort: number | null) => void,
  ) {
    this.endpoint =
      config.metricsPort === null
        ? null
        : new MetricsEndpoint(config.host, config.metricsPort, {
            metrics: () => renderSequencerMetrics(this.stats(), this.appendLatency),
            ready: () => this.term !== null && link.up,
            unready: () => (this.term === null ? "standby: another sequencer holds the lease\n" : "Redis unavailable\n"),
            failed: (error) => reportFailure(log, "metrics endpoint", error),
          });
  }

  get metricsPort(): number | null {
    return this.endpoint?.port ?? null;
  }

  /** Runs terms until {@link stop}; rejects with a StartupError a term could not start with. */
  async run(): Promise<void> {
    const { config, link, log } = this;
    let waitingLogged = false;
    while (!this.stopping) {
      const lease = new Lease(link, config.keys.sequencer, config.leaseTtlMs);
      let acquired = false;
      try {
        acquired = await lease.acquire();
      } catch (error) {
        await link.whenUp().catch(() => {});
        log.debug(`lease: ${errorMessage(error)}`);
        continue;
      }
      if (!acquired) {
        if (!waitingLogged) log.info(`standby: another sequencer holds ${config.keys.sequencer}; waiting to take over (not listening)`);
        waitingLogged = true;
        await Promise.race([Bun.sleep(Math.max(50, Math.floor(config.leaseTtlMs / 5))), this.woken.promise]);
        continue;
      }
      waitingLogged = false;
      let state: StreamState;
      try {
        state = await takeOver(link, lease, config.keys, config.delimiter, config.startSeq);
      } catch (error) {
        // Redis went away, or the lease with it (a flush), in the middle: start over once Redis is back.
        if (!(error instanceof RedisUnavailableError || error instanceof LeaseLostError)) throw error;
        log.warn(`taking over was interrupted (${error.message}); trying again`);
        await link.whenUp().catch(() => {});
        continue;
      }
      if (this.stopping) break;
      const term = new Term(this, state, lease);
      this.term = term;
      this.counters.terms++;
      this.eventPort = term.sources.port;
      log.info(`holding ${config.keys.sequencer} (epoch ${state.epoch}): the stream ends at ${state.top}, next sequence number ${term.engine.next}`);
      this.listening(term.sources.port, this.metricsPort);
      const why = await term.ended.promise;
      this.term = null;
      if (!this.stopping) log.error(`stopped appending: ${why}; ${term.appender.backlog} events read but not stored are lost unless their source resends them`);
    }
  }

  /** Stores what was read (within `deadlineMs`), gives the lease back so a standby takes over at once, and stops. */
  async stop(deadlineMs: number): Promise<boolean> {
    this.stopping = true;
    this.woken.resolve();
    const term = this.term;
    let stored = true;
    if (term !== null) {
      term.sources.close();
      stored = await Promise.race([term.appender.drained().then(() => term.appender.backlog === 0), Bun.sleep(deadlineMs).then(() => false)]);
      await term.end("stopping");
      await term.lease.release().catch(() => {});
    }
    this.endpoint?.stop();
    return stored;
  }

  stats(): SequencerStats {
    const term = this.term;
    const counters = { appended: this.counters.appended, redisErrors: this.counters.redisErrors, terms: this.counters.terms };
    const cluster = { role: "sequencer" as const, leader: term !== null, redisUp: this.link.up, backlog: 0, stored: 0, ...counters };
    if (term === null) return { ...NO_SERVER_STATS, ...cluster };
    const c = term.engine.counters;
    const s = term.sources;
    return {
      ...NO_SERVER_STATS,
      ...cluster,
      linesRead: c.lines,
      eventsApplied: c.applied,
      pending: term.engine.pending,
      nextSeq: term.engine.next,
      malformed: c.malformed,
      oversized: c.oversized,
      duplicates: c.duplicates,
      skipped: c.skipped,
      eventSources: s.connected,
      sourcesPaused: s.isPaused,
      sourcesRejected: s.counters.rejected,
      tlsFailures: s.counters.tlsFailures,
      truncated: s.counters.truncated,
      backlog: term.appender.backlog,
      stored: term.appender.stored,
    };
  }
}
