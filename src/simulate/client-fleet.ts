import type { Socket } from "bun";
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

/**
 * Some of a workload's clients, on one thread: connects them, sends their
 * user ids, and verifies what each receives. Times are `clock()` values, the
 * same on every thread.
 */
export class ClientFleet {
  private readonly verifiers: ClientVerifier[];
  private readonly sockets: Socket<ClientVerifier>[] = [];
  private registeredCount = 0;
  private doneCount = 0;
  private over = false;

  constructor(
    private readonly workload: Workload,
    clients: readonly number[],
    sentAt: Float64Array,
    latency: LatencyHistogram,
    private readonly listener: FleetListener,
  ) {
    this.verifiers = clients.map((client) => new ClientVerifier(workload, client, sentAt, latency));
  }

  /** Notifications verified so far, the barrier included. */
  get verified(): number {
    let sum = 0;
    for (const verifier of this.verifiers) sum += verifier.verified;
    return sum;
  }

  /** Connects every client; rejects with a ConnectError when the server is not there. */
  async connect(host: string, port: number): Promise<void> {
    const { clientUsers } = this.workload;
    const handlers = {
      binaryType: "uint8array" as const,
      open(socket: Socket<ClientVerifier>) {
        socket.write(`${clientUsers[socket.data.client]}\r\n`);
      },
      data: (socket: Socket<ClientVerifier>, chunk: Uint8Array) => this.received(socket.data, chunk),
      close: (socket: Socket<ClientVerifier>) => {
        if (!this.over) this.fail(socket.data.failure("disconnected"));
      },
    };
    for (let first = 0; first < this.verifiers.length; first += CONNECT_GROUP) {
      const group = this.verifiers.slice(first, first + CONNECT_GROUP).map((verifier) => connect(host, port, "client", verifier, handlers));
      this.sockets.push(...(await Promise.all(group)));
    }
  }

  /** Fails the first client that is owed a notification sent more than `timeoutMs` ago and has had nothing since. */
  checkStalls(now: number, timeoutMs: number): void {
    for (const verifier of this.verifiers) {
      if (verifier.done) continue;
      const since = Math.max(verifier.lastProgress, verifier.nextSentAt);
      if (now - since > timeoutMs) return this.fail(verifier.failure("stalled"));
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
    if (failure !== null) return this.fail(failure);
    if (verifier.verified === before) return;
    if (before === 0 && ++this.registeredCount === this.verifiers.length) this.listener.registered();
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

