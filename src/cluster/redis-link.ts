import { RedisClient, type TLSOptions } from "bun";
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
 * - TLS (rediss://, against redis-server 7.0 with --tls-port): `tls: true` checks the
 *   certificate against Bun's default CAs (NODE_EXTRA_CA_CERTS included); `tls: { ca }`
 *   against those CAs alone (NODE_EXTRA_CA_CERTS no longer counts), a self-signed
 *   certificate being its own CA; `tls: {}` is a TypeError. The name checked is the URL's
 *   host, an IP address against the certificate's IP names. A certificate not trusted, or
 *   not for that host, rejects connect() with the same "Connection closed" again, as does
 *   a Redis that wants a client certificate (tls-auth-clients yes, its default; Bun.connect
 *   gets an error "…TLSV1_ALERT_CERTIFICATE_REQUIRED" after the handshake), and rediss://
 *   to a plain port, only after connectionTimeout.
 * - Bun.connect over TLS: a write in `open`, before the handshake is done, takes 0 bytes.
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
      tls: tlsOptions(this.target),
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

/** TLS as Bun's client and Bun.connect take it: off, Bun's default CAs, or only those of --redis-ca. */
function tlsOptions(target: RedisTarget): boolean | TLSOptions {
  if (!target.tls) return false;
  return target.ca === null ? true : { ca: target.ca, rejectUnauthorized: true };
}

/** What a raw connection to Redis met: its first reply line, or why there was none. */
type Probe = { reply: string } | { untrusted: Error | null } | { silent: "closed" | "timeout"; handshaken: boolean; error?: Error };

/**
 * Why Bun's client could not connect, which it does not say itself: a raw
 * connection with the same TLS settings tells an unreachable Redis from one
 * that refuses our password or a certificate we do not trust. The reply
 * quoted is Redis's own error line, which never holds the password.
 */
export async function describeRefusal(target: RedisTarget, error: unknown, timeoutMs: number): Promise<string> {
  let probe: Probe;
  try {
    probe = await probeRedis(target, timeoutMs);
  } catch (connectError) {
    return `cannot connect (${errorMessage(connectError)})`;
  }
  if ("untrusted" in probe) return untrustedCertificate(target, probe.untrusted);
  if ("silent" in probe) {
    if (target.tls && !probe.handshaken) return "no TLS handshake: is the port Redis's tls-port?";
    // With TLS 1.3 the client is done with the handshake before Redis asks for a client certificate, and is told by an alert.
    if (probe.error?.message.includes("CERTIFICATE_REQUIRED")) {
      return "it wants a client certificate, which follower-maze does not send: set Redis's tls-auth-clients to no or optional";
    }
    if (!target.tls && probe.silent === "closed") return "it closed the connection without a reply: if the port is Redis's tls-port, use rediss://";
    return `no answer (${errorMessage(error)})`;
  }
  const line = probe.reply;
  if (line.startsWith("-WRONGPASS") || line.startsWith("-ERR invalid password")) return "authentication failed (wrong password)";
  if (line.startsWith("-NOAUTH")) return "authentication required: give the password in the URL or FOLLOWER_MAZE_REDIS_PASSWORD";
  if (line.startsWith("-")) return `refused: ${line.slice(1)}`;
  return `connected, but the client failed (${errorMessage(error)})`;
}

/** Sends PING (or AUTH, with a password: Redis then says whether it takes it) and waits for the first line back. */
async function probeRedis(target: RedisTarget, timeoutMs: number): Promise<Probe> {
  const result = Promise.withResolvers<Probe>();
  let handshaken = false;
  const timer = setTimeout(() => result.resolve({ silent: "timeout", handshaken }), timeoutMs);
  const ask = (socket: { write(data: string): number }) => {
    socket.write(target.password === null ? "PING\r\n" : respCommand("AUTH", target.password));
  };
  let socket: { end(): void } | undefined;
  try {
    socket = await Bun.connect({
      hostname: target.host.replace(/^\[(.*)\]$/, "$1"),
      port: target.port,
      tls: tlsOptions(target),
      socket: {
        // Over TLS a write before the handshake has finished takes nothing, so the question waits for it.
        open: target.tls ? undefined : ask,
        handshake(connection, success, authorizationError) {
          handshaken = true;
          if (success && authorizationError === null) ask(connection);
          else result.resolve({ untrusted: authorizationError });
        },
        data(_, chunk) {
          result.resolve({ reply: chunk.toString("latin1").split("\r\n")[0] ?? "" });
        },
        close: () => result.resolve({ silent: "closed", handshaken }),
        error: (_, error) => result.resolve({ silent: "closed", handshaken, error }),
      },
    });
    return await result.promise;
  } finally {
    clearTimeout(timer);
    socket?.end();
  }
}

/** The TLS handshake failed on Redis's certificate: say which check, and what the operator can do. */
function untrustedCertificate(target: RedisTarget, error: Error | null): string {
  const why = error === null ? "TLS handshake failed" : error.message;
  if (systemErrorCode(error) === "ERR_TLS_CERT_ALTNAME_INVALID") return `Redis's TLS certificate is not for ${target.host} (${why})`;
  if (target.ca !== null) return `Redis's TLS certificate is not signed by a CA in --redis-ca (${why})`;
  return `Redis's TLS certificate is not trusted (${why}): for a private CA or a self-signed certificate, give it with --redis-ca`;
}

/** A command in RESP's own framing, safe for any bytes in its arguments. */
function respCommand(...args: string[]): string {
  return `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join("")}`;
}
