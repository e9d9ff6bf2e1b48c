import type { Socket } from "bun";
import { ClientTokens } from "../auth/client-tokens.ts";
import { connect } from "./connect.ts";
import type { LatencyHistogram } from "./latency-histogram.ts";
import { type ClientFailure, ClientVerifier } from "./verifier.ts";
import type { Workload } from "./workload.ts";

/** What a fleet tells the simulation; each fires at most once, and nothing fires after `failed`. */
export interface FleetListener {
  /** Every client of the fleet has event 1, the barrier broadcast, so all are registered. */
  registered(): void;
  /** Every client of the fleet has received everything it is owed. */
  done(): void;
  failed(failure: ClientFailure): void;
}

/** Clients connect this many at a time, so thousands don't all wait in the listen backlog at once. */
const CONNECT_GROUP = 200;

interface Connection {
  /** Index into the fleet's clients. */
  index: number;
  /** What arrived before the workload did (a server should send nothing then, but a broken one may). */
  early: Uint8Array[] | null;
  /** The server closed it (before the workload came, this is only noted). */
  closed: boolean;
}

/**
 * Some of a run's clients, on one thread: connects them and sends their user
 * ids, then, once the workload is attached, verifies what each receives.
 * Clients connect before the workload is generated, so a server that is not
 * there is reported at once. Times are `clock()` values, the same on every thread.
 */
export class ClientFleet {
  private verifiers: ClientVerifier[] = [];
  private latency: LatencyHistogram | null = null;
  private readonly sockets: Socket<Connection>[] = [];
  private registeredCount = 0;
  private doneCount = 0;
  private over = false;

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
  async connect(host: string, port: number, secret: string | null): Promise<void> {
    const { clientUsers, clients } = this;
    const tokens = secret === null ? null : new ClientTokens(secret);
    const handshake = (user: number) => (tokens === null ? `${user}\r\n` : `${user} ${tokens.token(user)}\r\n`);
    const handlers = {
      binaryType: "uint8array" as const,
      open(socket: Socket<Connection>) {
        socket.write(handshake(clientUsers[clients[socket.data.index] as number] as number));
      },
      data: (socket: Socket<Connection>, chunk: Uint8Array) => {
        const connection = socket.data;
        if (connection.early !== null) connection.early.push(chunk);
        else this.received(this.verifiers[connection.index] as ClientVerifier, chunk);
      },
      close: (socket: Socket<Connection>) => {
        socket.data.closed = true;
        if (this.verifiers.length > 0) this.fail((this.verifiers[socket.data.index] as ClientVerifier).failure("disconnected"));
      },
    };
    for (let first = 0; first < clients.length; first += CONNECT_GROUP) {
      const group = [];
      for (let index = first; index < Math.min(first + CONNECT_GROUP, clients.length); index++) {
        group.push(connect<Connection>(host, port, "client", { index, early: [], closed: false }, handlers));
      }
      this.sockets.push(...(await Promise.all(group)));
    }
  }

  /**
   * Starts verifying against `workload`, beginning with anything that already
   * arrived. `latency` gets every notification's latency but the barrier's.
   */
  attach(workload: Workload, sentAt: Float64Array, latency: LatencyHistogram): void {
    this.latency = latency;
    this.verifiers = this.clients.map((client) => new ClientVerifier(workload, client, sentAt, latency));
    for (const socket of this.sockets) {
      const verifier = this.verifiers[socket.data.index] as ClientVerifier;
      const early = socket.data.early as Uint8Array[];
      socket.data.early = null;
      for (const chunk of early) this.received(verifier, chunk);
      // A bad handshake, say: the server hung up before anything was sent.
      if (socket.data.closed) this.fail(verifier.failure("disconnected"));
    }
  }

  /** Fails the first client that is owed a notification sent more than `timeoutMs` ago and has had nothing since. */
  checkStalls(now: number, timeoutMs: number): void {
    for (const verifier of this.verifiers) {
      if (verifier.done) continue;
      const since = Math.max(verifier.lastProgress, verifier.nextSentAt);
      if (now - since > timeoutMs) {
        this.fail(verifier.failure("stalled"));
        return;
      }
    }
  }

  /** The first client still owed something, failed as stalled: for when nothing at all moves. */
  failStalled(): void {
    const waiting = this.verifiers.find((verifier) => !verifier.done);
    if (waiting !== undefined) this.fail(waiting.failure("stalled"));
  }

  /** Closes every connection; a close after this is not a failure. */
  close(): void {
    this.over = true;
    for (const socket of this.sockets) socket.end();
  }

  private received(verifier: ClientVerifier, chunk: Uint8Array): void {
    if (this.over) return;
    const before = verifier.verified;
    const failure = verifier.receive(chunk, clock());
    if (failure !== null) {
      this.fail(failure);
      return;
    }
    if (verifier.verified === before) return;
    if (before === 0 && ++this.registeredCount === this.verifiers.length) {
      // Nothing after the barrier has been sent yet: the barrier's own latency includes registering.
      this.latency?.clear();
      this.listener.registered();
    }
    if (verifier.done && ++this.doneCount === this.verifiers.length) this.listener.done();
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
