import { ClientTokens } from "../auth/client-tokens.ts";
import { SourceSecret } from "../auth/source-secret.ts";
import { Engine, type EngineObserver } from "../engine/engine.ts";
import { FollowerTable } from "../graph/follower-table.ts";
import { UserIndex } from "../graph/user-index.ts";
import { type Logger, RateLimitedLog } from "../log/logger.ts";
import { quote } from "../log/quote.ts";
import { Histogram } from "../metrics/histogram.ts";
import { DELIVERY_LATENCY, renderServerMetrics } from "../metrics/server-metrics.ts";
import { GapWatch } from "../ordering/gap-watch.ts";
import { ClientDirectory } from "../routing/client-directory.ts";
import { Router } from "../routing/router.ts";
import { StatusHistory } from "../status/status-history.ts";
import { statusReport } from "../status/status-report.ts";
import { VERSION } from "../version.ts";
import { ClientGateway, type ClientHooks, type ClientSocket } from "./client-gateway.ts";
import { type EventSourceHooks, EventSources } from "./event-sources.ts";
import type { TlsCredentials } from "./listen.ts";
import { MetricsEndpoint, type MonitoredServer } from "./metrics-endpoint.ts";

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
  /** Port of the HTTP endpoint (status page, /metrics, /healthz, /readyz, /stats, /clients, /sources); null for none. */
  metricsPort: number | null;
}

/** A point-in-time view of the server's counters and gauges. */
/** The status page's charts: a sample a second, for the last five minutes. */
const STATUS_SAMPLE_MS = 1000;
const STATUS_SAMPLES = 301;

export interface ServerStats {
  linesRead: number;
  eventsApplied: number;
  pending: number;
  nextSeq: number;
  notifications: number;
  /** Bytes the client sockets have taken. */
  sentBytes: number;
  malformed: number;
  oversized: number;
  duplicates: number;
  skipped: number;
  truncated: number;
  eventSources: number;
  sourcesPaused: boolean;
  clients: number;
  users: number;
  /** Client connections opened, before their handshake. */
  clientConnections: number;
  /** Client connections that ended without the server cutting them off: closed by the client, lost, or at shutdown. */
  closedDisconnects: number;
  slowDisconnects: number;
  badHandshakes: number;
  badTokens: number;
  handshakeTimeouts: number;
  clientsRefused: number;
  sourcesRejected: number;
  /** Failed TLS handshakes on either port. */
  tlsFailures: number;
  queuedBytes: number;
}

/**
 * Wires the pure engine to the two listeners: reads from event sources go
 * through the engine, then each touched client gets one write. Also owns the
 * timers (gap skipping, periodic counters) and the graceful shutdown.
 */
export class Server {
  readonly engine: Engine;
  private readonly router: Router;
  private readonly users = new UserIndex();
  private readonly clients: ClientDirectory<ClientSocket>;
  private readonly sources: EventSources;
  private readonly gateway: ClientGateway;
  private readonly endpoint: MetricsEndpoint | null;
  private readonly timers: ReturnType<typeof setInterval>[] = [];
  /** Seconds from reading each event to writing its notifications. */
  private readonly deliveryLatency = new Histogram(DELIVERY_LATENCY.buckets);
  private readonly startedAt = Date.now();
  private readonly history = new StatusHistory(STATUS_SAMPLES, this.deliveryLatency.counts.length);
  private truncated = 0;
  private sourcesRejected = 0;
  private sourceTlsFailures = 0;
  private closing: Promise<boolean> | null = null;
  /** A source hovering at the bound would otherwise log a pause and a resume per read. */
  private readonly backPressureLog: RateLimitedLog;

  constructor(
    readonly config: ServerConfig,
    private readonly log: Logger,
  ) {
    this.backPressureLog = new RateLimitedLog(log, "warn", "back-pressure messages");
    this.clients = new ClientDirectory<ClientSocket>(config.maxClientBuffer);
    this.router = new Router(this.users, new FollowerTable(), this.clients);
    this.engine = new Engine({ delimiter: config.delimiter, startSeq: config.startSeq, maxPending: config.maxPending }, this.router, engineLog(log));
    this.sources = new EventSources(
      {
        host: config.host,
        port: config.eventPort,
        maxLineBytes: config.maxLineBytes,
        tls: config.eventTls,
        secret: config.sourceSecret === null ? null : new SourceSecret(config.sourceSecret),
        // A source gets as long for its TLS handshake and AUTH line as a client has for its handshake.
        handshakeTimeoutMs: config.handshakeTimeoutMs,
      },
      this.engine,
      this.sourceHooks(),
    );
    try {
      this.gateway = new ClientGateway(
        config.host,
        config.clientPort,
        {
          maxLineBytes: config.maxLineBytes,
          handshakeTimeoutMs: config.handshakeTimeoutMs,
          tls: config.clientTls,
          tokens: config.clientSecret === null ? null : new ClientTokens(config.clientSecret),
          maxClients: config.maxClients,
        },
        this.users,
        this.clients,
        clientLog(log),
      );
    } catch (error) {
      this.sources.close();
      throw error;
    }
    try {
      this.endpoint = config.metricsPort === null ? null : new MetricsEndpoint(config.host, config.metricsPort, this.monitored());
    } catch (error) {
      this.sources.close();
      this.gateway.closeAll();
      throw error;
    }
    if (config.gapTimeoutMs > 0) this.watchGaps(new GapWatch(config.gapTimeoutMs));
    if (config.statsIntervalMs > 0) this.reportEvery(config.statsIntervalMs);
    if (this.endpoint !== null) this.sampleHistory();
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
    return {
      linesRead: c.lines,
      eventsApplied: c.applied,
      pending: this.engine.reorder.size,
      nextSeq: this.engine.reorder.next,
      notifications: this.router.notifications,
      sentBytes: this.clients.sentBytes,
      malformed: c.malformed,
      oversized: c.oversized,
      duplicates: c.duplicates,
      skipped: c.skipped,
      truncated: this.truncated,
      eventSources: this.sources.connected,
      sourcesPaused: this.sources.isPaused,
      clients: this.clients.connections,
      users: this.clients.users,
      clientConnections: g.opened,
      closedDisconnects: g.closed,
      slowDisconnects: g.slowDisconnects,
      badHandshakes: g.badHandshakes,
      badTokens: g.badTokens,
      handshakeTimeouts: g.handshakeTimeouts,
      clientsRefused: g.refused,
      sourcesRejected: this.sourcesRejected,
      tlsFailures: g.tlsFailures + this.sourceTlsFailures,
      queuedBytes: this.clients.queuedBytes(),
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
    for (const timer of this.timers) clearInterval(timer);
    this.sources.close();
    this.gateway.stopAccepting();
    this.clients.flush(this.gateway.drop);
    const flushed = await this.gateway.flushed(deadlineMs);
    this.gateway.closeAll();
    // Last, so /readyz can say "shutting down" until the very end.
    this.endpoint?.stop();
    return flushed;
  }

  private readonly beforeRead = (): void => {
    this.engine.beginRead(performance.now());
  };

  /** Runs after every read of an event source: one write per touched client, then back-pressure. */
  private readonly afterRead = (): void => {
    this.engine.settle();
    this.clients.flush(this.gateway.drop);
    this.engine.arrivals.written(performance.now(), this.deliveryLatency);
    if (this.engine.full) {
      if (!this.sources.isPaused) {
        const reorder = this.engine.reorder;
        this.backPressureLog.log(() => `reorder buffer full (${reorder.size} events held, waiting for seq ${reorder.next}): pausing event sources`);
        this.sources.pause();
      }
    } else if (this.sources.isPaused) {
      this.backPressureLog.log(() => "reorder buffer has room again: resuming event sources");
      this.sources.resume();
    }
  };

  private sourceHooks(): EventSourceHooks {
    const rejected = new RateLimitedLog(this.log, "warn", "rejected event sources");
    return {
      beforeRead: this.beforeRead,
      afterRead: this.afterRead,
      linesRead: () => this.engine.counters.lines,
      opened: (remote) => this.log.info(`event source connected from ${remote}`),
      closed: (remote, droppedBytes) => {
        if (droppedBytes > 0) {
          this.truncated++;
          this.log.warn(`event source ${remote} closed in the middle of a line: dropped its last ${droppedBytes} bytes`);
        }
        this.log.info(`event source ${remote} disconnected`);
      },
      rejected: (remote, reason, detail) => {
        if (reason === "TLS handshake failed") this.sourceTlsFailures++;
        else this.sourcesRejected++;
        rejected.log(() => `event source ${remote} disconnected: ${reason}: ${detail}`);
      },
      failed: (remote, error) => reportFailure(this.log, `event source ${remote}`, error),
    };
  }

  private monitored(): MonitoredServer {
    return {
      metrics: () => renderServerMetrics(this.stats(), this.deliveryLatency),
      status: () =>
        statusReport({
          version: VERSION,
          startedAt: this.startedAt,
          now: Date.now(),
          stats: this.stats(),
          deliveryLatency: this.deliveryLatency,
          history: this.history,
          sampleIntervalMs: STATUS_SAMPLE_MS,
        }),
      clients: () => ({ total: this.gateway.connected, entries: this.gateway.connections() }),
      sources: () => ({ total: this.sources.count, entries: this.sources.connections() }),
      sourcesPaused: () => this.sources.isPaused,
      ready: () => this.ready,
      failed: (error) => reportFailure(this.log, "metrics endpoint", error),
    };
  }

  private watchGaps(watch: GapWatch): void {
    const reorder = this.engine.reorder;
    this.every(watch.tickMs, () => {
      if (watch.tick(performance.now(), reorder.next, reorder.size)) {
        this.engine.skipGap();
        this.afterRead();
      }
    });
  }

  private sampleHistory(): void {
    const sample = () =>
      this.history.record(Date.now(), {
        received: this.engine.counters.lines,
        applied: this.engine.counters.applied,
        notifications: this.router.notifications,
        latency: this.deliveryLatency.counts,
      });
    sample();
    this.every(STATUS_SAMPLE_MS, sample);
  }

  private reportEvery(intervalMs: number): void {
    let last = "";
    this.every(intervalMs, () => {
      const line = statsLine(this.stats());
      // An idle server says nothing new, so it says nothing.
      if (line !== last) this.log.info(line);
      last = line;
    });
  }

  /** Timers never keep the process alive on their own: the listeners do. */
  private every(intervalMs: number, tick: () => void): void {
    const timer = setInterval(tick, intervalMs);
    timer.unref();
    this.timers.push(timer);
  }
}

export function statsLine(s: ServerStats): string {
  return (
    `events in ${s.linesRead}, applied ${s.eventsApplied}, pending ${s.pending} (next seq ${s.nextSeq}${s.sourcesPaused ? ", sources paused" : ""}); ` +
    `notifications ${s.notifications}; sources ${s.eventSources}, clients ${s.clients} (${s.users} users), queued ${s.queuedBytes} B; ` +
    `dropped: malformed ${s.malformed}, oversized ${s.oversized}, duplicates ${s.duplicates}, skipped ${s.skipped}, truncated ${s.truncated}, ` +
    `slow clients ${s.slowDisconnects}, bad handshakes ${s.badHandshakes}, bad tokens ${s.badTokens}, handshake timeouts ${s.handshakeTimeouts}, ` +
    `refused clients ${s.clientsRefused}, rejected sources ${s.sourcesRejected}, TLS failures ${s.tlsFailures}`
  );
}

function engineLog(log: Logger): EngineObserver {
  const malformed = new RateLimitedLog(log, "warn", "malformed lines");
  const oversized = new RateLimitedLog(log, "warn", "oversized lines");
  const duplicates = new RateLimitedLog(log, "debug", "duplicates");
  return {
    malformed(problem, line, keptPlace) {
      malformed.log(() => `malformed event line (${problem}) dropped${keptPlace ? ", its sequence number kept as a no-op" : ""}: ${quote(line)}`);
    },
    oversized(length) {
      oversized.log(() => `event line of ${length} bytes over --max-line-bytes dropped`);
    },
    duplicate(seq) {
      duplicates.log(() => `duplicate sequence number ${seq} dropped`);
    },
    gapSkipped(from, to) {
      log.error(`gap timeout: gave up waiting for sequence ${from === to ? `number ${from}` : `numbers ${from}-${to}`}; continuing at ${to + 1}`);
    },
  };
}

function clientLog(log: Logger): ClientHooks {
  const rejected = new RateLimitedLog(log, "warn", "rejected clients");
  // Apart from the rejections, so a flood of connections cannot hide a bad handshake.
  const refused = new RateLimitedLog(log, "warn", "refused clients");
  return {
    joined: (userId, remote) => log.debug(`client ${remote} connected as user ${userId}`),
    rejected: (remote, reason, detail) => rejected.log(() => `client ${remote} disconnected: ${reason}: ${detail}`),
    refused: (remote, limit) => refused.log(() => `client ${remote} refused: ${limit} client connections already open (--max-clients)`),
    slow: (userId, remote, limit) =>
      log.warn(`client ${remote} (user ${userId}) disconnected: not reading, over ${limit} bytes of notifications queued (--max-client-buffer)`),
    left: (userId, remote) => log.debug(`client ${remote} (user ${userId}) disconnected`),
    failed: (remote, error) => reportFailure(log, `client ${remote}`, error),
  };
}

/** Peers vanishing is routine; anything else is a bug or an OS problem worth an error line. */
function reportFailure(log: Logger, who: string, error: Error): void {
  const code = (error as { code?: string }).code ?? "";
  const routine = ["ECONNRESET", "EPIPE", "ETIMEDOUT", "ECONNABORTED"].includes(code);
  log.log(routine ? "debug" : "error", `${who}: ${error.message}${routine ? "" : ` (${error.stack?.split("\n")[1]?.trim() ?? "no stack"})`}`);
}
