/**
 * Socket-level test helpers: an in-process Server on free ports, user clients
 * and event sources over real TCP, and `waitFor`, the only way these tests
 * synchronise with the server (never a fixed sleep).
 */
import { afterEach } from "bun:test";
import type { Socket, SocketHandler } from "bun";
import { ClientTokens } from "../../src/auth/client-tokens.ts";
import { AUTH_PREFIX } from "../../src/auth/source-secret.ts";
import { Logger } from "../../src/log/logger.ts";
import type { ServerStats } from "../../src/metrics/server-stats.ts";
import { SYSTEM_TIMERS, type Timers } from "../../src/net/handshake.ts";
import { Server, type ServerConfig } from "../../src/server/server.ts";
import { ReferenceModel } from "./reference-model.ts";

export const HOST = "127.0.0.1";
/** Long enough for a loaded CI machine, short enough that a hang fails fast. */
export const WAIT_MS = 5_000;

/**
 * Polls `condition` (which may be async, e.g. an HTTP request) until it holds.
 * Fails with `what` (and `detail()`, for the state that explains why) after `timeoutMs`.
 */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = WAIT_MS, detail?: () => string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail ? `\n${detail()}` : ""}`);
    }
    await Bun.sleep(2);
  }
}

/**
 * Connects to `port`, over TLS when `ca` (a PEM certificate to trust) is
 * given, and resolves once data can flow: for TLS, after a verified
 * handshake (Bun takes no bytes before it).
 */
async function connect<T>(port: number, data: T, socket: SocketHandler<T, "buffer">, ca: string | undefined): Promise<Socket<T>> {
  if (ca === undefined) return Bun.connect<T>({ hostname: HOST, port, data, socket });
  const secured = Promise.withResolvers<void>();
  const connected = await Bun.connect<T>({
    hostname: HOST,
    port,
    data,
    tls: { ca },
    socket: {
      ...socket,
      handshake(socket, success, authorizationError) {
        if (success && authorizationError === null) {
          secured.resolve();
          return;
        }
        secured.reject(authorizationError ?? new Error("TLS handshake failed"));
        // A peer that does not trust the server hangs up then and there, as a real client would, rather than leave the connection open.
        socket.terminate();
      },
      close(closing, error) {
        secured.reject(new Error("closed during the TLS handshake"));
        socket.close?.(closing, error);
      },
    },
  });
  await secured.promise;
  return connected;
}

/** Each line followed by CRLF: how notifications arrive, and how tests send events. */
export function crlf(...lines: string[]): string {
  return lines.map((line) => `${line}\r\n`).join("");
}

/** A user client: sends its handshake, then records every byte it receives. */
export class UserClient {
  /** Everything received, one char per byte (latin1), so it compares exactly with expected ASCII. */
  received = "";
  closed = false;
  readonly closedPromise: Promise<void>;
  private socket!: Socket<UserClient>;
  private onClose!: () => void;

  private constructor(readonly label: string) {
    this.closedPromise = new Promise((resolve) => (this.onClose = resolve));
  }

  /**
   * Connects and sends `handshake` as is (pass the line with its terminator,
   * or nothing to stay silent). `paused` stops reading from the start, so the
   * server's writes pile up in the kernel and then in its own outbox.
   * `ca` connects over TLS, trusting that certificate.
   */
  static async connect(port: number, handshake: string | null, options: { paused?: boolean; label?: string; ca?: string } = {}): Promise<UserClient> {
    const client = new UserClient(options.label ?? JSON.stringify(handshake));
    client.socket = await connect<UserClient>(
      port,
      client,
      {
        binaryType: "buffer",
        data(socket, chunk: Buffer) {
          socket.data.received += chunk.toString("latin1");
        },
        close(socket) {
          socket.data.closed = true;
          socket.data.onClose();
        },
        error() {
          // `close` follows.
        },
      },
      options.ca,
    );
    if (options.paused) client.socket.pause();
    if (handshake !== null) client.socket.write(handshake);
    return client;
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  end(): void {
    this.socket.end();
  }

  /** Drops the connection without a FIN handshake, like a crashed client. */
  terminate(): void {
    this.socket.terminate();
  }

  /** Sends bytes after the handshake (the server must ignore them). */
  write(data: string): void {
    this.socket.write(data);
  }
}

/**
 * An event source that queues what it is given and writes it as fast as the
 * server takes it, so a paused server (back-pressure) just leaves bytes queued.
 */
export class EventSource {
  closed = false;
  readonly closedPromise: Promise<void>;
  private socket!: Socket<EventSource>;
  private readonly queue: Uint8Array[] = [];
  private offset = 0;
  private idle: { resolve: () => void; reject: (error: Error) => void }[] = [];
  private onClose!: () => void;

  private constructor() {
    this.closedPromise = new Promise((resolve) => (this.onClose = resolve));
  }

  /** `ca` connects over TLS, trusting that certificate. */
  static async connect(port: number, ca?: string): Promise<EventSource> {
    const source = new EventSource();
    source.socket = await connect<EventSource>(
      port,
      source,
      {
        drain(socket) {
          socket.data.pump();
        },
        data() {},
        close(socket) {
          socket.data.closed = true;
          socket.data.onClose();
        },
        error() {
          // `close` follows.
        },
      },
      ca,
    );
    return source;
  }

  /** Queues `data` as one write; resolves once every queued byte is in the kernel. */
  send(data: string | Uint8Array): Promise<void> {
    this.queue.push(typeof data === "string" ? Buffer.from(data, "latin1") : data);
    this.pump();
    if (this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => this.idle.push({ resolve, reject }));
  }

  /** Closes after everything queued has been written. */
  async end(): Promise<void> {
    if (this.queue.length > 0) await new Promise<void>((resolve, reject) => this.idle.push({ resolve, reject }));
    this.socket.end();
    await this.closedPromise;
  }

  terminate(): void {
    this.socket.terminate();
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const chunk = this.queue[0] as Uint8Array;
      const written = this.socket.write(chunk, this.offset, chunk.length - this.offset);
      if (written < 0) {
        // Reported through the pending sends, not thrown from inside a socket callback.
        this.queue.length = 0;
        this.offset = 0;
        const error = new Error("event source: the server closed the connection with bytes still to send");
        for (const waiter of this.idle.splice(0)) waiter.reject(error);
        return;
      }
      this.offset += written;
      if (this.offset < chunk.length) return;
      this.queue.shift();
      this.offset = 0;
    }
    for (const waiter of this.idle.splice(0)) waiter.resolve();
  }
}

export const TEST_CONFIG: ServerConfig = {
  host: HOST,
  eventPort: 0,
  clientPort: 0,
  delimiter: 0x7c,
  startSeq: 1,
  maxPending: 10_000,
  gapTimeoutMs: 0,
  maxLineBytes: 1024,
  handshakeTimeoutMs: 5_000,
  maxClientBuffer: 4 * 1024 * 1024,
  statsIntervalMs: 0,
  eventTls: null,
  clientTls: null,
  clientSecret: null,
  sourceSecret: null,
  maxClients: 0,
  metricsPort: null,
};

/**
 * An in-process server on free ports, with its log lines in `logs` and
 * everything it hands out closed by `close`. Its clients and sources use
 * whatever the configuration asks for (TLS trusting the server's own
 * certificate, tokens, the AUTH line), so any test runs with those on.
 */
export class TestServer {
  readonly server: Server;
  readonly logs: string[] = [];
  private readonly clients: UserClient[] = [];
  private readonly sources: EventSource[] = [];

  /** `timers`: what the handshake timeouts run on; a test that must not race them passes {@link ManualTimers}. */
  constructor(config: Partial<ServerConfig> = {}, timers: Timers = SYSTEM_TIMERS) {
    this.server = new Server({ ...TEST_CONFIG, ...config }, new Logger("debug", (line) => this.logs.push(line)), {
      clock: () => performance.now(),
      timers,
    });
  }

  stats(): ServerStats {
    return this.server.stats();
  }

  /** Waits for a condition on the counters; a timeout reports all of them. */
  waitStats(condition: (stats: ServerStats) => boolean, what: string, timeoutMs = WAIT_MS): Promise<void> {
    return waitFor(
      () => condition(this.stats()),
      what,
      timeoutMs,
      () => `stats: ${JSON.stringify(this.stats())}`,
    );
  }

  /**
   * Connects one client per user id, one after another, each registered
   * (counted by the server) before the next connects, so no event sent
   * afterwards can race a handshake.
   */
  async users(...ids: number[]): Promise<UserClient[]> {
    const connected: UserClient[] = [];
    for (const id of ids) connected.push(await this.user(id));
    return connected;
  }

  async user(id: number, options: { paused?: boolean } = {}): Promise<UserClient> {
    const before = this.stats().clients;
    const secret = this.server.config.clientSecret;
    const token = secret === null ? "" : ` ${new ClientTokens(secret).token(id)}`;
    const client = await this.rawClient(`${id}${token}\r\n`, { ...options, label: `user ${id}` });
    await this.waitStats((s) => s.clients === before + 1, `user ${id} to be registered`);
    return client;
  }

  /** A client whose handshake is whatever the test says, not waited for. */
  async rawClient(handshake: string | null, options: { paused?: boolean; label?: string } = {}): Promise<UserClient> {
    const client = await UserClient.connect(this.server.clientPort, handshake, { ...options, ca: this.server.config.clientTls?.cert });
    this.clients.push(client);
    return client;
  }

  /** An event source that has been accepted (authenticated, when the server wants it) and may send events. */
  async source(): Promise<EventSource> {
    const before = this.stats().eventSources;
    const source = await this.rawSource();
    const secret = this.server.config.sourceSecret;
    if (secret !== null) await source.send(`${AUTH_PREFIX}${secret}\r\n`);
    await this.waitStats((s) => s.eventSources === before + 1, "the event source to be accepted");
    return source;
  }

  /** An event-source connection that has sent nothing yet, not waited for. */
  async rawSource(): Promise<EventSource> {
    const source = await EventSource.connect(this.server.eventPort, this.server.config.eventTls?.cert);
    this.sources.push(source);
    return source;
  }

  /** Closes `source` once all its bytes are written and waits until the server has seen it go (so has read everything). */
  async endSource(source: EventSource): Promise<void> {
    const before = this.stats().eventSources;
    await source.end();
    await this.waitStats((s) => s.eventSources === before - 1, "the server to see the event source close");
  }

  /** Sends `events` (CRLF-terminated) on a fresh source, then closes it as {@link endSource} does. */
  async sendOnce(...events: string[]): Promise<void> {
    const source = await this.source();
    await source.send(crlf(...events));
    await this.endSource(source);
  }

  async close(): Promise<void> {
    for (const client of this.clients) if (!client.closed) client.terminate();
    for (const source of this.sources) if (!source.closed) source.terminate();
    await this.server.shutdown(0);
  }
}

/** For a file whose tests use one TestServer each: `serve(config)` makes the test's server, closed after the test. */
export function serverPerTest(): (config?: Partial<ServerConfig>) => TestServer {
  let current: TestServer | undefined;
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return (config = {}) => {
    current = new TestServer(config);
    return current;
  };
}

/** The server's log lines that match `pattern`. */
export function logLines(t: TestServer, pattern: RegExp): string[] {
  return t.logs.filter((line) => pattern.test(line));
}

/**
 * Waits until every client's stream ends with `line` (the barrier: delivery is
 * in sequence order, so everything before it has arrived or never will).
 */
export function waitForBarrier(clients: UserClient[], line: string, timeoutMs = WAIT_MS): Promise<void> {
  const tail = `${line}\r\n`;
  return waitFor(
    () => clients.every((client) => client.received.endsWith(tail)),
    `every client to receive ${JSON.stringify(line)}`,
    timeoutMs,
    () => clients.map((client) => `${client.label}: ${JSON.stringify(client.received.slice(-200))}`).join("\n"),
  );
}

/**
 * What each online user must receive for `events` (any order), according to
 * the reference model the differential tests check the engine against.
 */
export function expectedStreams(events: string[], online: number[], delimiter = "|"): Map<number, string> {
  const model = new ReferenceModel({ delimiter, startSeq: 1, maxLineBytes: TEST_CONFIG.maxLineBytes });
  const connections = online.map((user) => model.connect(user));
  model.push(crlf(...events));
  return new Map(online.map((user, i) => [user, model.expectedBytes(connections[i] as number)]));
}

/**
 * Exact comparison that stays readable for megabyte streams: names the first
 * differing byte instead of printing both.
 */
export function expectStream(client: UserClient, expected: string): void {
  const actual = client.received;
  if (actual === expected) return;
  let i = 0;
  while (i < actual.length && i < expected.length && actual[i] === expected[i]) i++;
  const around = (s: string) => JSON.stringify(s.slice(Math.max(0, i - 40), i + 40));
  throw new Error(
    `${client.label} received ${actual.length} bytes, expected ${expected.length}; first difference at byte ${i}:\n` +
      `  got      ${around(actual)}\n  expected ${around(expected)}`,
  );
}

/**
 * A private message `seq|P|from|to` padded to `length` bytes with leading
 * zeros in `to` (allowed: ids are decimal, not canonical), to move many bytes
 * with few events.
 */
export function paddedPrivate(seq: number, from: number, to: number, length: number): string {
  const head = `${seq}|P|${from}|`;
  return head + String(to).padStart(length - head.length, "0");
}
