import { ClientTokens } from "../auth/client-tokens.ts";
import { SourceSecret } from "../auth/source-secret.ts";
import { type Clock, Engine } from "../engine/engine.ts";
import type { Logger } from "../log/logger.ts";
import { Histogram } from "../metrics/histogram.ts";
import { DELIVERY_LATENCY, renderServerMetrics } from "../metrics/server-metrics.ts";
import { type ServerStats, StatsReporter } from "../metrics/server-stats.ts";
import { type ClientConnection, ClientGateway } from "../net/client-gateway.ts";
import { EventSources } from "../net/event-sources.ts";
import { SYSTEM_TIMERS, type Timers } from "../net/handshake.ts";
import type { TlsCredentials } from "../net/listen.ts";
import { MetricsEndpoint } from "../net/metrics-endpoint.ts";
import { GapWatch } from "../ordering/gap-watch.ts";
import { FanOut } from "../routing/fan-out.ts";
import { clientLog, engineLog, reportFailure, sourceLog } from "./operator-log.ts";

export interface ServerConfig {
  host: string;
  eventPort: number;
  clientPort: number;
  /** Field separator byte. */
  delimiter: number;
  startSeq: number;
  maxPending: number;
  /** 0 waits for a missing sequence number forever. */
  gapTimeoutMs: number;
  maxLineBytes: number;
  handshakeTimeoutMs: number;
  maxClientBuffer: number;
  /** How often counters are logged at info level; 0 turns it off. */
  statsIntervalMs: number;
  /** Serve the event port over TLS with these; null: plain TCP. */
  eventTls: TlsCredentials | null;
  /** Serve the client port over TLS with these; null: plain TCP. */
  clientTls: TlsCredentials | null;
  /** Clients must send `<userId> <token>`, the token keyed with this; null: a user id alone. */
  clientSecret: string | null;
  /** Event sources must first send `AUTH <secret>`; null: every source is trusted. */
  sourceSecret: string | null;
  /** Client connections open at once, handshakes included; 0 is no limit. */
  maxClients: number;
  /** Port of the HTTP endpoint for /metrics, /healthz and /readyz; null for none. */
  metricsPort: number | null;
}

/** The clock the server measures with and the timers its handshakes run on; tests pass their own. */
export interface ServerTiming {
  clock: Clock;
  timers: Timers;
}

const SYSTEM_TIMING: ServerTiming = { clock: () => performance.now(), timers: SYSTEM_TIMERS };

/**
 * The wiring, and nothing else: the event port feeds the sequencer (Engine),
 * which feeds the fan-out through the ordered event stream, which writes to
 * the connections the client port joined to it. Also owns the timers (gap
 * skipping, periodic counters) and the graceful shutdown.
 */
export class Server {
  private readonly engine: Engine;
  private readonly fanOut: FanOut<ClientConnection>;
  private readonly sources: EventSources;
  private readonly gateway: ClientGateway;
  private readonly endpoint: MetricsEndpoint | null;
  private readonly intervals: ReturnType<typeof setInterval>[] = [];
  /** Seconds from reading each event to writing its notifications. */
  private readonly deliveryLatency = new Histogram(DELIVERY_LATENCY.buckets);
  private closing: Promise<boolean> | null = null;

  constructor(
    readonly config: ServerConfig,
    private readonly log: Logger,
    private readonly timing: ServerTiming = SYSTEM_TIMING,
  ) {
    this.fanOut = new FanOut({ maxClientBuffer: config.maxClientBuffer, delimiter: config.delimiter, maxLineBytes: config.maxLineBytes });
    this.engine = new Engine({ delimiter: config.delimiter, startSeq: config.startSeq, maxPending: config.maxPending }, this.fanOut, engineLog(log), {
      clock: timing.clock,
      latency: this.deliveryLatency,
    });
    const engine = this.engine;
    this.sources = new EventSources(
      {
        host: config.host,
        port: config.eventPort,
        maxLineBytes: config.maxLineBytes,
        tls: config.eventTls,
        secret: config.sourceSecret === null ? null : new SourceSecret(config.sourceSecret),
        // A source gets as long for its TLS handshake and AUTH line as a client has for its handshake.
        handshakeTimeoutMs: config.handshakeTimeoutMs,
        timers: timing.timers,
      },
      engine,
      sourceLog(log, () => `${engine.pending} events held, waiting for seq ${engine.next}`),
    );
    try {
      this.gateway = new ClientGateway(
        {
          host: config.host,
          port: config.clientPort,
          maxLineBytes: config.maxLineBytes,
          handshakeTimeoutMs: config.handshakeTimeoutMs,
          tls: config.clientTls,
          tokens: config.clientSecret === null ? null : new ClientTokens(config.clientSecret),
          maxClients: config.maxClients,
          timers: timing.timers,
        },
        this.fanOut,
        clientLog(log),
      );
    } catch (error) {
      this.sources.close();
      throw error;
    }
    try {
      this.endpoint =
        config.metricsPort === null
          ? null
          : new MetricsEndpoint(config.host, config.metricsPort, {
              metrics: () => renderServerMetrics(this.stats(), this.deliveryLatency),
              ready: () => this.ready,
              failed: (error) => reportFailure(this.log, "metrics endpoint", error),
            });
    } catch (error) {
      this.sources.close();
      this.gateway.closeAll();
      throw error;
    }
    if (config.gapTimeoutMs > 0) this.watchGaps(new GapWatch(config.gapTimeoutMs));
    if (config.statsIntervalMs > 0) this.reportEvery(config.statsIntervalMs);
  }

  get eventPort(): number {
    return this.sources.port;
  }

  get clientPort(): number {
    return this.gateway.port;
  }

  /** The metrics port, or null when there is no metrics endpoint. */
  get metricsPort(): number | null {
    return this.endpoint?.port ?? null;
  }

  /** Both listeners are up: the server has started and not begun shutting down. */
  get ready(): boolean {
    return this.closing === null;
  }

  stats(): ServerStats {
    const c = this.engine.counters;
    const g = this.gateway.counters;
    const s = this.sources.counters;
    const fanOut = this.fanOut;
    return {
      linesRead: c.lines,
      eventsApplied: c.applied,
      pending: this.engine.pending,
      nextSeq: this.engine.next,
      notifications: fanOut.notifications,
      sentBytes: fanOut.sentBytes,
      malformed: c.malformed,
      oversized: c.oversized,
      duplicates: c.duplicates,
      skipped: c.skipped,
      truncated: s.truncated,
      eventSources: this.sources.connected,
      sourcesPaused: this.sources.isPaused,
      clients: fanOut.connections,
      users: fanOut.onlineUsers,
      clientConnections: g.opened,
      closedDisconnects: g.closed,
      slowDisconnects: g.slowDisconnects,
      floodDisconnects: g.floods,
      badHandshakes: g.badHandshakes,
      badTokens: g.badTokens,
      handshakeTimeouts: g.handshakeTimeouts,
      clientsRefused: g.refused,
      sourcesRejected: s.rejected,
      tlsFailures: g.tlsFailures + s.tlsFailures,
      queuedBytes: fanOut.queuedBytes,
    };
  }

  /**
   * Stops accepting, disconnects event sources, gives clients up to
   * `deadlineMs` to take what is already queued for them, then closes them.
   * Resolves to whether everything queued was sent. Idempotent.
   */
  shutdown(deadlineMs: number): Promise<boolean> {
    this.closing ??= this.close(deadlineMs);
    return this.closing;
  }

  private async close(deadlineMs: number): Promise<boolean> {
    for (const timer of this.intervals) clearInterval(timer);
    this.sources.close();
    this.gateway.stopAccepting();
    this.fanOut.flush();
    const flushed = await this.gateway.flushed(deadlineMs);
    this.gateway.closeAll();
    // Last, so /readyz can say "shutting down" until the very end.
    this.endpoint?.stop();
    return flushed;
  }

  private watchGaps(watch: GapWatch): void {
    const engine = this.engine;
    this.every(watch.tickMs, () => {
      if (watch.tick(this.timing.clock(), engine.next, engine.pending)) {
        engine.skipGap();
        this.sources.flow(engine.full);
      }
    });
  }

  private reportEvery(intervalMs: number): void {
    const reporter = new StatsReporter(this.stats());
    this.every(intervalMs, () => {
      const line = reporter.tick(this.stats());
      if (line !== null) this.log.info(line);
    });
  }

  /** Timers never keep the process alive on their own: the listeners do. */
  private every(intervalMs: number, tick: () => void): void {
    const timer = setInterval(tick, intervalMs);
    timer.unref();
    this.intervals.push(timer);
  }
}
