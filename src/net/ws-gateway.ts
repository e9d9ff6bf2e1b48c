import type { Server as HttpServer, ServerWebSocket } from "bun";
import { DecimalCursor } from "../protocol/ascii.ts";
import type { ClientTransport } from "../routing/fan-out.ts";
import type { Outbox } from "../routing/outbox.ts";
import type { ClientEntry } from "../status/connections.ts";
import {
  type ClientCounters,
  type ClientGatewayOptions,
  type ClientHooks,
  type ClientRegistry,
  MAX_IGNORED_BYTES,
  REJECT_COUNTERS,
  type RejectReason,
} from "./client-gateway.ts";
import { readHandshake } from "./client-handshake.ts";
import { formatAddress, listenError } from "./listen.ts";

/** Close codes (RFC 6455 §7.4.1): a handshake we refuse breaks our policy; a full server asks to try again later. */
export const CLOSE_POLICY = 1008;
export const CLOSE_TRY_LATER = 1013;
const CLOSE_GOING_AWAY = 1001;

/**
 * Bun's own bound on what a WebSocket buffers beyond the kernel. We stop
 * sending at the first backpressure report, so it is never reached in
 * practice; the bound that matters is the outbox's (--max-client-buffer).
 */
const BACKPRESSURE_LIMIT = 1024 * 1024;
/** The largest message a client may send (Bun closes with 1009 past it); the handshake is checked against --max-line-bytes. */
const MAX_MESSAGE_BYTES = 64 * 1024;

/** What the gateway shares with the TCP client port beyond its options (--max-clients among them): the counters and the operator's hooks. */
export interface WsGatewayShared {
  counters: ClientCounters;
  hooks: ClientHooks;
  /** After a drain or a close: shutdown may be waiting for the last queued byte to go. */
  settled(): void;
}

type Stage = "handshake" | "open" | "closed";

/**
 * One user client over WebSocket. To the fan-out it is a byte writer like a
 * TCP socket: the outbox hands it whole CRLF-terminated lines, and each
 * line leaves as one text message without its CRLF.
 */
export class WsClient implements ClientTransport, ClientEntry {
  readonly transport = "ws";
  readonly since = Date.now();
  userId = -1;
  outbox: Outbox<ClientTransport> | null = null;
  stage: Stage = "handshake";
  /** Bytes received since the handshake, all ignored. */
  ignored = 0;
  /** Held a slot of --max-clients (a refused client never did). */
  counted = false;
  timer: unknown;
  socket: ServerWebSocket<WsClient> | null = null;

  constructor(
    readonly remote: string,
    private readonly gateway: WsGateway,
  ) {}

  get queuedBytes(): number {
    return this.outbox?.queuedBytes ?? 0;
  }

  get notifications(): number {
    return this.outbox?.notifications ?? 0;
  }

  /**
   * Sends the lines in `data[offset, offset + length)`, one text message
   * each, and returns the bytes of those taken, like a socket write. Bun's
   * `sendText` wants a string, so the batch becomes one string (one copy,
   * which the frame needs anyway) and each message a substring of it. All
   * of them go out in one cork, so one write to the kernel. At the first
   * backpressure report (the message is buffered in Bun) it stops and leaves
   * the rest to the outbox until `drain`; a dropped message (over Bun's own
   * limit) stays in the outbox too.
   */
  write(data: Uint8Array, offset: number, length: number): number {
    const ws = this.socket;
    if (ws === null || this.stage !== "open") return -1;
    const text = Buffer.from(data.buffer, data.byteOffset + offset, length).toString("latin1");
    let taken = 0;
    ws.cork(() => {
      while (taken < text.length) {
        const lf = text.indexOf("\n", taken);
        const status = ws.sendText(text.substring(taken, lf - 1));
        if (status === 0) return;
        taken = lf + 1;
        if (status < 0) return;
      }
    });
    return taken;
  }

  /** Queued more than `limit` bytes without taking them: it is already out of the fan-out. */
  tooSlow(limit: number): void {
    this.gateway.cutOff(this, "slow", limit);
  }
}

/**
 * The WebSocket client port (--ws-port): the same contract as the TCP client
 * port over `Bun.serve`. The first text message is the handshake, within the
 * handshake timeout; then the client only receives. Any path upgrades; a
 * plain HTTP request gets 426.
 */
export class WsGateway {
  private readonly http: HttpServer<WsClient>;
  private readonly clients = new Set<WsClient>();
  /** Shared by every handshake: they run one at a time. */
  private readonly cursor = new DecimalCursor();

  constructor(
    private readonly options: ClientGatewayOptions,
    private readonly registry: ClientRegistry,
    private readonly shared: WsGatewayShared,
  ) {
    try {
      this.http = Bun.serve<WsClient>({
        hostname: options.host,
        port: options.port,
        development: false,
        ...(options.tls === null ? {} : { tls: options.tls }),
        fetch: (request, server) => {
          const address = server.requestIP(request);
          const remote = address === null ? "(unknown)" : formatAddress(address.address, address.port);
          if (server.upgrade(request, { data: new WsClient(remote, this) })) return undefined;
          return new Response("follower-maze: this port serves user clients over WebSocket\n", { status: 426, headers: { Upgrade: "websocket" } });
        },
        websocket: {
          maxPayloadLength: MAX_MESSAGE_BYTES,
          backpressureLimit: BACKPRESSURE_LIMIT,
          closeOnBackpressureLimit: false,
          perMessageDeflate: false,
          open: (ws) => this.opened(ws),
          message: (ws, message) => this.received(ws.data, message),
          drain: (ws) => {
            const outbox = ws.data.outbox;
            if (outbox !== null && ws.data.stage === "open") registry.drained(outbox);
            shared.settled();
          },
          close: (ws) => this.closed(ws.data),
        },
        error: (error) => {
          shared.hooks.failed("(websocket)", error);
          return new Response("internal error\n", { status: 500 });
        },
      });
    } catch (error) {
      throw listenError("websocket", options.host, options.port, error);
    }
  }

  get port(): number {
    return this.http.port as number;
  }

  /** Every open connection, oldest first, handshakes included. */
  connections(): IterableIterator<ClientEntry> {
    return this.clients.values();
  }

  get connected(): number {
    return this.clients.size;
  }

  /** Disconnects a joined client for what it did (as the TCP port does), counted once. */
  cutOff(client: WsClient, why: "slow" | "flooding", limit: number): void {
    if (client.stage !== "open") return;
    client.stage = "closed";
    if (client.outbox !== null) this.registry.disconnect(client.outbox);
    const { counters, hooks } = this.shared;
    if (why === "slow") {
      counters.slowDisconnects++;
      hooks.slow(client.userId, client.remote, limit);
      // Its socket is full: a close frame would wait behind everything else.
      client.socket?.terminate();
    } else {
      counters.floods++;
      hooks.flooded(client.userId, client.remote, limit);
      client.socket?.close(CLOSE_POLICY, "flooding");
    }
  }

  /** Stops accepting; connected clients stay so queued output can still reach them. */
  stopAccepting(): void {
    this.http.stop(false);
  }

  /** Closes every connection; one with notifications still queued is cut, so it can tell an incomplete stream from a finished one. */
  closeAll(): void {
    for (const client of this.clients) {
      if (client.queuedBytes > 0) client.socket?.terminate();
      else client.socket?.close(CLOSE_GOING_AWAY, "server shutting down");
    }
    this.http.stop(true);
  }

  private opened(ws: ServerWebSocket<WsClient>): void {
    const client = ws.data;
    client.socket = ws;
    const shared = this.shared;
    const slots = this.options.slots;
    if (!slots.take()) {
      client.stage = "closed";
      shared.counters.refused++;
      shared.hooks.refused(client.remote, slots.limit);
      ws.close(CLOSE_TRY_LATER, "too many clients");
      return;
    }
    client.counted = true;
    this.clients.add(client);
    shared.counters.opened++;
    const { timers, handshakeTimeoutMs } = this.options;
    client.timer = timers.setTimeout(() => this.reject(client, "handshake timeout", `no user id within ${handshakeTimeoutMs} ms`), handshakeTimeoutMs);
  }

  private received(client: WsClient, message: string | Buffer): void {
    if (client.stage === "open") {
      // After the handshake a client only receives: a bounded amount of what it sends is ignored, as on the TCP port.
      client.ignored += message.length;
      if (client.ignored > MAX_IGNORED_BYTES) this.cutOff(client, "flooding", MAX_IGNORED_BYTES);
      return;
    }
    if (client.stage !== "handshake") return;
    if (typeof message !== "string") {
      this.reject(client, "bad handshake", `first message is binary (${message.length} bytes), not text`);
      return;
    }
    const bytes = Buffer.from(message, "utf8");
    if (bytes.length > this.options.maxLineBytes) {
      this.reject(client, "bad handshake", `first message of ${bytes.length} bytes is too long for a user id`);
      return;
    }
    const verdict = readHandshake(bytes, 0, bytes.length, this.options.tokens, this.cursor);
    if ("problem" in verdict) {
      this.reject(client, verdict.problem, verdict.detail);
      return;
    }
    this.options.timers.clearTimeout(client.timer);
    // Let go with it: the timer holds its callback, and the callback the client.
    client.timer = undefined;
    client.stage = "open";
    client.userId = verdict.userId;
    client.outbox = this.registry.connect(verdict.userId, client);
    this.shared.hooks.joined(verdict.userId, client.remote);
  }

  private reject(client: WsClient, reason: RejectReason, detail: string): void {
    if (client.stage !== "handshake") return;
    client.stage = "closed";
    this.options.timers.clearTimeout(client.timer);
    this.shared.counters[REJECT_COUNTERS[reason]]++;
    this.shared.hooks.rejected(client.remote, reason, detail);
    client.socket?.close(CLOSE_POLICY, reason);
  }

  private closed(client: WsClient): void {
    if (!client.counted) return;
    client.counted = false;
    this.options.slots.release();
    this.clients.delete(client);
    this.options.timers.clearTimeout(client.timer);
    const wasOpen = client.stage === "open";
    // Closed by the client, lost, or at shutdown: what the server cut off was counted then.
    if (client.stage !== "closed") this.shared.counters.closed++;
    client.stage = "closed";
    if (client.outbox !== null) {
      this.registry.disconnect(client.outbox);
      if (wasOpen) this.shared.hooks.left(client.userId, client.remote);
    }
    this.shared.settled();
  }
}
