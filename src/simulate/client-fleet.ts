import type { Socket } from "bun";
import { ClientTokens } from "../auth/client-tokens.ts";
import { connect, connectWebSocket } from "./connect.ts";
import { EventWindow, type WindowBuffers } from "./event-window.ts";
import { Expectations } from "./expectations.ts";
import type { Int32Queue } from "./growable.ts";
import { LatencyHistogram } from "./latency-histogram.ts";
import { type ClientFailure, ClientVerifier } from "./verifier.ts";

/** What a fleet tells the simulation; each fires at most once, and nothing fires after `failed`. */
export interface FleetListener {
  /** Every client of the fleet has event 1, the barrier broadcast, so all are registered. */
  registered(): void;
  /** Every client of the fleet has received everything it is owed. */
  done(): void;
  failed(failure: ClientFailure): void;
}

/** How the clients reach the server: its TCP client port, or a WebSocket port (one text message per line, no CRLF). */
export type Transport = "tcp" | "ws";

export interface ClientTarget {
  host: string;
  /** Clients are spread over these ports round-robin, by their index in the run. */
  ports: readonly number[];
  transport: Transport;
  /** The server's client secret, for `<id> <token>` handshakes. */
  secret: string | null;
}

/** A rehearsal's fleet tells nobody anything. */
const UNHEARD: FleetListener = { registered() {}, done() {}, failed() {} };

/**
 * Bytes read after which a client thread collects its young garbage: every
 * read is a fresh buffer, and 10,000 clients' small reads (2 GB in a
 * 1M-event `scale` run) outran the 100 ms tick's collections, the
 * simulator peaking at 202–209 MiB; with this, 154–156 MiB (4 and 16 MiB
 * moved it by about 5 MiB either way). A default run gains about 25
 * collections on its client thread (30 ms of pauses), a 10 s run at 20,000
 * events/s none.
 */
const YOUNG_GARBAGE_BYTES = 8 * 1024 * 1024;

/** Clients connect this many at a time, so thousands don't all wait in the listen backlog at once. */
const CONNECT_GROUP = 200;

/** One client's connection, over either transport. */
interface Connection {
  /** Index into the fleet's clients. */
  index: number;
  /** What arrived before the run was attached (the barrier may; and a broken server may send anything), each with whether it was a WebSocket message. */
  early: [Uint8Array, boolean][] | null;
  /** The server closed it (before the run is attached, this is only noted). */
  closed: boolean;
  end(): void;
}

/**
 * Some of a run's clients, on one thread: connects them and sends their user
 * ids, then, once the run's window is attached, verifies what each receives.
 * Clients connect before anything is generated, so a server that is not
 * there is reported at once. Times are `clock()` values, the same on every thread.
 */
export class ClientFleet {
  private verifiers: ClientVerifier[] = [];
  private expectations: Expectations | null = null;
  private latency: LatencyHistogram | null = null;
  private readonly connections: Connection[] = [];
  /** By the fleet's client: counted as done. */
  private counted = new Uint8Array(0);
  private registeredCount = 0;
  private doneCount = 0;
  private over = false;
  private readonly encoder = new TextEncoder();
  private message = new Uint8Array(256);
  private readSinceCollection = 0;

  constructor(
    private readonly clientUsers: Int32Array,
    /** Which of the run's clients this fleet owns. */
    private readonly clients: readonly number[],
    private readonly listener: FleetListener,
  ) {}

  /** Notifications verified so far, the barrier included. */
  get verified(): number {
    let sum = 0;
    for (const verifier of this.verifiers) sum += verifier.verified;
    return sum;
  }

  /**
   * Connects every client, each sending its user id (and its token, given the
   * server's client secret); rejects with a ConnectError when the server is not there.
   */
  async connect(target: ClientTarget): Promise<void> {
    const { clientUsers, clients } = this;
    const tokens = target.secret === null ? null : new ClientTokens(target.secret);
    const handshake = (index: number) => {
      const user = clientUsers[clients[index] as number] as number;
      return tokens === null ? `${user}` : `${user} ${tokens.token(user)}`;
    };
    const open = (index: number): Promise<Connection> => {
      const port = target.ports[(clients[index] as number) % target.ports.length] as number;
      return target.transport === "ws"
        ? this.openWebSocket(target.host, port, index, handshake(index))
        : this.openTcp(target.host, port, index, handshake(index));
    };
    for (let first = 0; first < clients.length; first += CONNECT_GROUP) {
      const group = [];
      for (let index = first; index < Math.min(first + CONNECT_GROUP, clients.length); index++) group.push(open(index));
      this.connections.push(...(await Promise.all(group)));
    }
  }

  private async openTcp(host: string, port: number, index: number, handshake: string): Promise<Connection> {
    const connection: Connection = { index, early: [], closed: false, end: () => socket.end() };
    const socket: Socket<Connection> = await connect<Connection>(host, port, "client", connection, {
      binaryType: "uint8array",
      open: (s) => {
        s.write(`${handshake}\r\n`);
      },
      data: (s, chunk) => this.arrived(s.data, chunk, false),
      close: (s) => this.closed(s.data),
    });
    return connection;
  }

  private async openWebSocket(host: string, port: number, index: number, handshake: string): Promise<Connection> {
    const ws = await connectWebSocket(`ws://${host}:${port}/`);
    const connection: Connection = { index, early: [], closed: false, end: () => ws.close() };
    ws.onmessage = ({ data }: MessageEvent<string | ArrayBuffer>) => {
      if (typeof data !== "string") return this.arrived(connection, new Uint8Array(data), true);
      if (this.message.length < data.length * 3) this.message = new Uint8Array(data.length * 3);
      const { written } = this.encoder.encodeInto(data, this.message);
      this.arrived(connection, this.message.subarray(0, written), true);
    };
    ws.onclose = () => this.closed(connection);
    ws.send(handshake);
    return connection;
  }

  private arrived(connection: Connection, chunk: Uint8Array, message: boolean): void {
    if (connection.early !== null) connection.early.push([chunk.slice(), message]);
    else this.received(this.verifiers[connection.index] as ClientVerifier, chunk, message);
    this.readSinceCollection += chunk.byteLength;
    if (this.readSinceCollection >= YOUNG_GARBAGE_BYTES) {
      this.readSinceCollection = 0;
      Bun.gc(false);
    }
  }

  private closed(connection: Connection): void {
    connection.closed = true;
    if (this.verifiers.length > 0) this.fail((this.verifiers[connection.index] as ClientVerifier).failure("disconnected"));
  }

  /**
   * Starts verifying against the run's window (this fleet is client thread
   * `thread`), beginning with anything that already arrived. `latency` gets
   * every notification's latency but the barrier's.
   */
  attach(buffers: WindowBuffers, thread: number, events: number, latency: LatencyHistogram): void {
    const window = new EventWindow(buffers);
    const expectations = new Expectations(window, thread, this.clients, this.clientUsers.length, events);
    this.expectations = expectations;
    this.latency = latency;
    this.counted = new Uint8Array(this.clients.length);
    this.verifiers = this.clients.map((client, index) => new ClientVerifier(window, expectations, index, client, this.clientUsers[client] as number, latency));
    for (const connection of this.connections) {
      const verifier = this.verifiers[connection.index] as ClientVerifier;
      const early = connection.early as [Uint8Array, boolean][];
      connection.early = null;
      for (const [chunk, message] of early) this.received(verifier, chunk, message);
      // A bad handshake, say: the server hung up before anything was sent.
      if (connection.closed) this.fail(verifier.failure("disconnected"));
    }
  }

  /**
   * Verifies `passes` times, on throwaway fleets of the same clients, a
   * stream held whole in `buffers` (rehearsal.ts), each line arriving as a
   * read of its own, so that JSC has compiled this thread's per-read code
   * before the run's clock starts; this fleet is left as it was. Returns
   * the notifications verified.
   */
  rehearse(buffers: WindowBuffers, thread: number, events: number, passes: number): number {
    const window = new EventWindow(buffers);
    let verified = 0;
    for (let pass = 0; pass < passes; pass++) {
      const fleet = new ClientFleet(this.clientUsers, this.clients, UNHEARD);
      fleet.attach(buffers, thread, events, new LatencyHistogram());
      const expectations = fleet.expectations as Expectations;
      expectations.scan();
      for (const verifier of fleet.verifiers) {
        const queue = expectations.queues[verifier.index] as Int32Queue;
        while (queue.length > 0) fleet.received(verifier, window.line(queue.peek()), false);
      }
      verified += fleet.verified;
    }
    return verified;
  }

  /** Reads new events, tells the generator what is still needed, and fails the first client owed a notification sent more than `timeoutMs` ago with nothing since. */
  tick(now: number, timeoutMs: number): void {
    if (this.expectations === null || this.over) return;
    this.catchUp();
    this.expectations.publish();
    for (const verifier of this.verifiers) {
      const since = Math.max(verifier.lastProgress, verifier.nextSentAt);
      if (now - since > timeoutMs) {
        this.fail(verifier.failure("stalled"));
        return;
      }
    }
  }

  /** The first client still owed something, failed as stalled: for when nothing at all moves. */
  failStalled(): void {
    this.catchUp();
    const waiting = this.verifiers.find((verifier) => !verifier.done);
    if (waiting !== undefined) this.fail(waiting.failure("stalled"));
  }

  /** Closes every connection; a close after this is not a failure. */
  close(): void {
    this.over = true;
    for (const connection of this.connections) connection.end();
  }

  /** Scans the window; when that completes the run, clients that already had everything are done. */
  catchUp(): void {
    const expectations = this.expectations as Expectations;
    if (expectations.complete) return;
    expectations.scan();
    if (expectations.complete) for (const verifier of this.verifiers) this.countDone(verifier);
  }

  private received(verifier: ClientVerifier, chunk: Uint8Array, message: boolean): void {
    if (this.over) return;
    this.catchUp();
    const before = verifier.verified;
    const now = clock();
    const failure = message ? verifier.receiveMessage(chunk, now) : verifier.receive(chunk, now);
    if (failure !== null) {
      this.fail(failure);
      return;
    }
    (this.expectations as Expectations).publish(now);
    if (verifier.verified === before) return;
    if (before === 0 && ++this.registeredCount === this.verifiers.length) {
      // Nothing after the barrier has been sent yet: the barrier's own latency includes registering.
      this.latency?.clear();
      this.listener.registered();
    }
    this.countDone(verifier);
  }

  private countDone(verifier: ClientVerifier): void {
    if (this.over || !verifier.done || this.counted[verifier.index] === 1) return;
    this.counted[verifier.index] = 1;
    if (++this.doneCount === this.verifiers.length) this.listener.done();
  }

  private fail(failure: ClientFailure): void {
    if (this.over) return;
    this.over = true;
    this.listener.failed(failure);
  }
}

/** Milliseconds on a clock every thread shares (performance.now() has a per-thread origin). */
export function clock(): number {
  return performance.timeOrigin + performance.now();
}
