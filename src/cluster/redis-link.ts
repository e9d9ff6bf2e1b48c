import { RedisClient } from "bun";
import { errorMessage, RedisConnectionError, systemErrorCode } from "../errors.ts";
import type { Logger } from "../log/logger.ts";
import type { RedisTarget } from "./redis-url.ts";

/*
 * Bun 1.4.5's RedisClient against Debian's redis-server 7.0.15, as checked by
 * experiment (and kept true by redis-link.test.ts and the cluster fault tests):
 * - Replies are RESP3: XADD → the ID string; XRANGE → [[id, [field, value, …]], …];
 *   XREAD → an object keyed by stream name, or null when BLOCK times out;
 *   XINFO STREAM → an object with "last-generated-id" and friends; HSETNX → 1 or 0;
 *   SET … NX PX → "OK" or null; HGETALL → an object.
 * - `send` takes string arguments (a Uint8Array also goes through) and hands every
 *   bulk string back as a UTF-8-decoded string, so binary values do not survive it;
 *   `getBuffer` does return the bytes (the snapshot is read with it).
 * - A server error rejects with code ERR_REDIS_SERVER_ERROR, e.g. an XADD at or below
 *   the top: "ERR The ID specified in XADD is equal or smaller than the target stream top item".
 * - When Redis dies, commands in flight reject with ERR_REDIS_CONNECTION_CLOSED. With
 *   autoReconnect (the default) later commands wait in the offline queue; after maxRetries
 *   (20 by default, about 30 s) the client rejects everything with "Connection has failed"
 *   for good. There is no per-command timeout: against a SIGSTOPped Redis a command waits
 *   forever (idleTimeout only fires when the server sends nothing, and then also fails the client).
 * - connect() with a wrong password, or none when Redis wants one, rejects with the same
 *   "Connection closed" as an unreachable Redis, hence {@link describeRefusal}.
 * - A blocking XREAD holds every later reply on its connection (auto-pipelining), so the
 *   tail gets a connection of its own.
 * Hence this wrapper: no Bun reconnection and no offline queue (the reconnect bugs of
 * 1.3.x stay out of the way, and nothing waits unseen), a deadline on every command,
 * and on any connection failure a fresh client, tried again with back-off.
 */

/** The link is down; the command was not (or not knowingly) executed. Retry once {@link RedisLink.whenUp} resolves. */
export class RedisUnavailableError extends Error {
  override readonly name = "RedisUnavailableError";
}

export interface RedisLinkOptions {
  /** Says which connection it is in log lines ("sequencer", "edge tail"). */
  name: string;
  /** A command unanswered for this long counts as a lost connection. */
  commandTimeoutMs: number;
  /** First pause between reconnection attempts; it doubles up to {@link maxRetryMs}. */
  retryMs?: number;
  maxRetryMs?: number;
  /** Connection establishment, TLS and HELLO included. */
  connectTimeoutMs?: number;
}

type LinkState = "up" | "down" | "closed";

/** A connection to Redis that survives Redis going away: see the notes above. */
export class RedisLink {
  private client: RedisClient | null = null;
  private state: LinkState = "down";
  private downSince = 0;
  private waiters: PromiseWithResolvers<void>[] = [];
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** Told of every change between up and down (not of each failed attempt). */
  onChange: ((up: boolean) => void) | null = null;

  private constructor(
    readonly target: RedisTarget,
    private readonly log: Logger,
    private readonly options: Required<RedisLinkOptions>,
  ) {}

  /**
   * Connects once. Redis unreachable, or refusing us (a wrong or missing
   * password), throws RedisConnectionError with one line for the operator.
   */
  static async open(target: RedisTarget, log: Logger, options: RedisLinkOptions): Promise<RedisLink> {
    const link = new RedisLink(target, log, { retryMs: 100, maxRetryMs: 2_000, connectTimeoutMs: 5_000, ...options });
    try {
      link.client = await link.connect();
    } catch (error) {
      throw new RedisConnectionError(`cannot use Redis at ${target.redacted}: ${await describeRefusal(target, error, link.options.connectTimeoutMs)}`);
    }
    link.state = "up";
    return link;
  }

  get up(): boolean {
    return this.state === "up";
  }

  /** Resolves when the link is (back) up; rejects once it is closed. */
  whenUp(): Promise<void> {
    if (this.state === "up") return Promise.resolve();
    if (this.state === "closed") return Promise.reject(new RedisUnavailableError("closed"));
    const waiter = Promise.withResolvers<void>();
    this.waiters.push(waiter);
    return waiter.promise;
  }

  /**
   * Runs one command (or a few, from `run`) on the current client. A server
   * error rejects as Bun gives it (code ERR_REDIS_SERVER_ERROR); a lost
   * connection or the deadline passing takes the link down and rejects with
   * RedisUnavailableError.
   */
  async call<T>(run: (client: RedisClient) => Promise<T>, timeoutMs = this.options.commandTimeoutMs): Promise<T> {
    const client = this.client;
    if (this.state !== "up" || client === null) throw new RedisUnavailableError(`Redis connection ${this.options.name} is down`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RedisUnavailableError(`no reply from Redis within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([run(client), deadline]);
    } catch (error) {
      if (systemErrorCode(error) === "ERR_REDIS_SERVER_ERROR") throw error;
      this.lost(client, error);
      throw error instanceof RedisUnavailableError ? error : new RedisUnavailableError(errorMessage(error));
    } finally {
      clearTimeout(timer);
    }
  }

  send(command: string, args: string[], timeoutMs?: number): Promise<unknown> {
    return this.call((client) => client.send(command, args), timeoutMs);
  }

  /** Stops for good: closes the client and rejects whoever waits for it to come up. */
  close(): void {
    this.state = "closed";
    clearTimeout(this.retryTimer);
    this.client?.close();
    this.client = null;
    for (const waiter of this.waiters.splice(0)) waiter.reject(new RedisUnavailableError("closed"));
  }

  private async connect(): Promise<RedisClient> {
    const client = new RedisClient(this.target.url, {
      autoReconnect: false,
      enableOfflineQueue: false,
      connectionTimeout: this.options.connectTimeoutMs,
      tls: this.target.tls,
    });
    try {
      await client.connect();
    } catch (error) {
      client.close();
      throw error;
    }
    client.onclose = () => this.lost(client, new Error("connection closed"));
    return client;
  }

  /** The client failed: drop it, say so once, and keep trying to open a new one. */
  private lost(client: RedisClient, cause: unknown): void {
    if (this.client !== client || this.state !== "up") return;
    this.client = null;
    client.onclose = null;
    client.close();
    this.state = "down";
    this.downSince = performance.now();
    this.log.warn(`Redis ${this.target.redacted} (${this.options.name}): connection lost (${errorMessage(cause)}); reconnecting`);
    this.onChange?.(false);
    this.retry(this.options.retryMs);
  }

  private retry(delayMs: number): void {
    this.retryTimer = setTimeout(async () => {
      if (this.state !== "down") return;
      let client: RedisClient;
      try {
        client = await this.connect();
      } catch {
        this.retry(Math.min(delayMs * 2, this.options.maxRetryMs));
        return;
      }
      if (this.state !== "down") {
        client.close();
        return;
      }
      this.client = client;
      this.state = "up";
      this.log.info(
        `Redis ${this.target.redacted} (${this.options.name}): connected again after ${((performance.now() - this.downSince) / 1000).toFixed(1)} s`,
      );
      this.onChange?.(true);
      for (const waiter of this.waiters.splice(0)) waiter.resolve();
    }, delayMs);
  }
}

/**
 * Why Bun's client could not connect, which it does not say itself: a raw
 * connection tells an unreachable Redis from one that refuses our password.
 * The reply quoted is Redis's own error line, which never holds the password.
 */
export async function describeRefusal(target: RedisTarget, error: unknown, timeoutMs: number): Promise<string> {
  const reply = Promise.withResolvers<string | null>();
  const timer = setTimeout(() => reply.resolve(null), timeoutMs);
  try {
    await Bun.connect({
      hostname: target.host.replace(/^\[(.*)\]$/, "$1"),
      port: target.port,
      tls: target.tls,
      socket: {
        open(socket) {
          // Sent without the password when there is none: Redis then says whether it wants one.
          socket.write(target.password === null ? "PING\r\n" : respCommand("AUTH", target.password));
        },
        data(socket, chunk) {
          reply.resolve(chunk.toString("latin1").split("\r\n")[0] ?? "");
          socket.end();
        },
        close: () => reply.resolve(null),
        error: () => reply.resolve(null),
      },
    });
  } catch (connectError) {
    clearTimeout(timer);
    return `cannot connect (${errorMessage(connectError)})`;
  }
  const line = await reply.promise;
  clearTimeout(timer);
  if (line === null) return `no answer (${errorMessage(error)})`;
  if (line.startsWith("-WRONGPASS") || line.startsWith("-ERR invalid password")) return "authentication failed (wrong password)";
  if (line.startsWith("-NOAUTH")) return "authentication required: give the password in the URL or FOLLOWER_MAZE_REDIS_PASSWORD";
  if (line.startsWith("-")) return `refused: ${line.slice(1)}`;
  return `connected, but the client failed (${errorMessage(error)})`;
}

/** A command in RESP's own framing, safe for any bytes in its arguments. */
function respCommand(...args: string[]): string {
  return `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join("")}`;
}
