import { ClientTokens } from "../auth/client-tokens.ts";
import type { Logger } from "../log/logger.ts";
import { type EdgeStats, renderEdgeMetrics } from "../metrics/cluster-metrics.ts";
import { NO_SERVER_STATS } from "../metrics/server-stats.ts";
import { type ClientConnection, ClientCounters, ClientGateway, type ClientGatewayOptions } from "../net/client-gateway.ts";
import { ClientSlots } from "../net/client-slots.ts";
import { SYSTEM_TIMERS } from "../net/handshake.ts";
import { MetricsEndpoint } from "../net/metrics-endpoint.ts";
import { WsGateway } from "../net/ws-gateway.ts";
import { FanOut } from "../routing/fan-out.ts";
import { clientLog, reportFailure } from "../server/operator-log.ts";
import type { ServerConfig } from "../server/server.ts";
import { EdgeFeed, type EdgeFeedTarget } from "./edge-feed.ts";
import type { ClusterKeys } from "./keys.ts";
import type { RedisLink } from "./redis-link.ts";
import { MAX_STORED_LINE } from "./stream-entry.ts";
import { streamTop } from "./stream-reader.ts";

export interface EdgeConfig
  extends Pick<
    ServerConfig,
    "host" | "clientPort" | "wsPort" | "metricsPort" | "clientTls" | "clientSecret" | "maxClients" | "maxLineBytes" | "handshakeTimeoutMs" | "maxClientBuffer"
  > {
  keys: ClusterKeys;
  /** Entries per XRANGE page and XREAD. */
  count: number;
  /** XREAD BLOCK. */
  blockMs: number;
}

const NO_BYTES = new Uint8Array(0);

/**
 * `follower-maze edge`: a fan-out fed from the stream instead of an event
 * port. The client ports (TCP, and WebSocket with --ws-port) open once the
 * feed has caught up; a rebuild (new epoch, or a gap in the stream) closes
 * them with every client on them, starts a fresh fan-out, and opens them
 * again on the same ports once caught up, so clients reconnect and start
 * fresh exactly as after a server restart.
 */
export class Edge implements EdgeFeedTarget {
  readonly feed: EdgeFeed;
  private fanOut: FanOut<ClientConnection> | null = null;
  private gateway: ClientGateway | null = null;
  /** Opened and closed with `gateway`, sharing its counters. */
  private ws: WsGateway | null = null;
  /** --max-clients across every gateway this edge opens, TCP and WebSocket (each rebuild opens new ones). */
  private readonly slots: ClientSlots;
  /** Counters of the gateways closed by rebuilds. */
  private readonly retired = new ClientCounters();
  private readonly retiredFanOut = { notifications: 0, sentBytes: 0 };
  private port: number;
  private wsPort: number | null;
  private announced = false;
  private isReady = false;
  private why = "catching up with the stream";
  private readonly endpoint: MetricsEndpoint | null;
  private readonly topTimer: ReturnType<typeof setInterval>;

  constructor(
    readonly config: EdgeConfig,
    private readonly commands: RedisLink,
    private readonly tailLink: RedisLink,
    private readonly log: Logger,
    /** Called once, when the client ports first open. */
    private readonly listening: (clientPort: number, wsPort: number | null, metricsPort: number | null) => void,
  ) {
    this.port = config.clientPort;
    this.wsPort = config.wsPort;
    this.slots = new ClientSlots(config.maxClients);
    this.feed = new EdgeFeed(
      commands,
      tailLink,
      config.keys,
      { count: config.count, blockMs: config.blockMs, pollMs: 250, clock: () => performance.now() },
      this,
      (note) => log.info(note),
    );
    this.endpoint =
      config.metricsPort === null
        ? null
        : new MetricsEndpoint(config.host, config.metricsPort, {
            metrics: () => renderEdgeMetrics(this.stats()),
            ready: () => this.ready_,
            unready: () => `${this.why}\n`,
            failed: (error) => reportFailure(log, "metrics endpoint", error),
          });
    // The lag needs the stream's top even while the tail is busy or behind.
    this.topTimer = setInterval(() => {
      streamTop(commands, config.keys).then(
        (top) => {
          this.feed.stats.top = Math.max(this.feed.stats.top, top);
        },
        () => {},
      );
    }, 1_000);
    this.topTimer.unref();
  }

  get metricsPort(): number | null {
    return this.endpoint?.port ?? null;
  }

  get clientPort(): number {
    return this.port;
  }

  /** Serving clients: caught up and following the stream. */
  get ready_(): boolean {
    return this.isReady && this.tailLink.up;
  }

  rebuild(delimiter: number, why: string | null): void {
    if (why !== null) {
      this.log.warn(`rebuilding the follower graph: ${why}; disconnecting ${this.fanOut?.connections ?? 0} clients (they reconnect and start fresh)`);
    }
    this.retire();
    this.isReady = false;
    this.why = "catching up with the stream";
    const config = this.config;
    this.fanOut = new FanOut({ maxClientBuffer: config.maxClientBuffer, delimiter, maxLineBytes: MAX_STORED_LINE });
  }

  follow(kind: number, from: number, to: number): void {
    // No client is connected yet: routing a follow only adds the edge.
    this.fanOut?.event(0, kind, from, to, NO_BYTES, 0, 0);
  }

  lines(chunk: Uint8Array): void {
    this.fanOut?.pushLines(chunk);
  }

  flush(): void {
    this.fanOut?.flush();
  }

  ready(): void {
    const fanOut = this.fanOut;
    if (fanOut === null) return;
    if (this.gateway === null) {
      const config = this.config;
      const options: ClientGatewayOptions = {
        host: config.host,
        port: this.port,
        maxLineBytes: config.maxLineBytes,
        handshakeTimeoutMs: config.handshakeTimeoutMs,
        tls: config.clientTls,
        tokens: config.clientSecret === null ? null : new ClientTokens(config.clientSecret),
        slots: this.slots,
        timers: SYSTEM_TIMERS,
      };
      const hooks = clientLog(this.log);
      const gateway = new ClientGateway(options, fanOut, hooks);
      this.gateway = gateway;
      this.port = gateway.port;
      if (this.wsPort !== null) {
        // A failure here leaves `gateway` to stop(), as a failure of the feed does.
        this.ws = new WsGateway({ ...options, port: this.wsPort }, fanOut, {
          counters: gateway.counters,
          hooks,
          settled: () => gateway.checkFlushed(),
        });
        this.wsPort = this.ws.port;
      }
      if (!this.announced) {
        this.announced = true;
        this.listening(this.port, this.wsPort, this.metricsPort);
      } else {
        const ws = this.wsPort === null ? "" : ` and ${this.wsPort} (WebSocket)`;
        this.log.info(`caught up at ${this.feed.stats.applied}: clients welcome again on port ${this.port}${ws}`);
      }
    }
    if (!this.isReady) this.log.debug(`following the stream from ${this.feed.stats.applied}`);
    this.isReady = true;
  }

  unready(why: string): void {
    this.isReady = false;
    this.why = why;
    this.log.warn(`not ready: ${why}; clients stay connected and get what follows once Redis is back`);
  }

  /** Stops following, gives clients up to `deadlineMs` for what is queued, closes everything. */
  async stop(deadlineMs: number): Promise<boolean> {
    this.feed.stop();
    clearInterval(this.topTimer);
    const gateway = this.gateway;
    let flushed = true;
    if (gateway !== null) {
      gateway.stopAccepting();
      this.ws?.stopAccepting();
      this.fanOut?.flush();
      // Over both ports: the WebSocket port tells the gateway when its clients drain or leave.
      flushed = await gateway.flushed(deadlineMs);
      gateway.closeAll();
      this.ws?.closeAll();
    }
    this.endpoint?.stop();
    return flushed;
  }

  stats(): EdgeStats {
    const g = this.gateway?.counters;
    const r = this.retired;
    const feed = this.feed.stats;
    const fanOut = this.fanOut;
    const sum = (key: keyof ClientCounters) => r[key] + (g?.[key] ?? 0);
    return {
      ...NO_SERVER_STATS,
      role: "edge",
      ready: this.ready_,
      redisUp: this.tailLink.up && this.commands.up,
      applied: feed.applied,
      eventsApplied: feed.applied,
      nextSeq: feed.applied + 1,
      top: feed.top,
      lagEvents: Math.max(0, feed.top - feed.applied),
      lagSeconds: feed.live && feed.top <= feed.applied ? 0 : (performance.now() - feed.caughtUpAt) / 1000,
      caughtUp: feed.live,
      rebuilds: feed.rebuilds,
      entries: feed.entries,
      notifications: this.retiredFanOut.notifications + (fanOut?.notifications ?? 0),
      sentBytes: this.retiredFanOut.sentBytes + (fanOut?.sentBytes ?? 0),
      clients: fanOut?.connections ?? 0,
      users: fanOut?.onlineUsers ?? 0,
      queuedBytes: fanOut?.queuedBytes ?? 0,
      clientConnections: sum("opened"),
      closedDisconnects: sum("closed"),
      slowDisconnects: sum("slowDisconnects"),
      floodDisconnects: sum("floods"),
      badHandshakes: sum("badHandshakes"),
      badTokens: sum("badTokens"),
      handshakeTimeouts: sum("handshakeTimeouts"),
      clientsRefused: sum("refused"),
      tlsFailures: sum("tlsFailures"),
    };
  }

  /** Closes the client ports and every client on them, keeping their counters. */
  private retire(): void {
    const gateway = this.gateway;
    if (gateway !== null) {
      for (const key of Object.keys(this.retired) as (keyof ClientCounters)[]) this.retired[key] += gateway.counters[key];
      gateway.closeAll();
      this.ws?.closeAll();
      this.gateway = null;
      this.ws = null;
    }
    if (this.fanOut !== null) {
      this.retiredFanOut.notifications += this.fanOut.notifications;
      this.retiredFanOut.sentBytes += this.fanOut.sentBytes;
    }
  }
}
