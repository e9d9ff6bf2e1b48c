import type { Socket } from "bun";
import { AUTH_PREFIX } from "../auth/source-secret.ts";
import { clock, type FleetListener } from "./client-fleet.ts";
import { connect } from "./connect.ts";
import { EventSender } from "./event-sender.ts";
import { LatencyHistogram } from "./latency-histogram.ts";
import type { ClientFailure } from "./verifier.ts";
import { WorkerFleet } from "./worker-fleet.ts";
import type { Workload } from "./workload.ts";

export interface SimulationOptions {
  host: string;
  eventPort: number;
  clientPort: number;
  /** A client owed a notification that sees none for this long fails the run. */
  timeoutMs: number;
  /** Events per second offered, 0 for as fast as the server reads them. */
  rate: number;
  /** When set, clients send `<id> <token>` and the event source starts with `AUTH <secret>`. */
  clientSecret: string | null;
  sourceSecret: string | null;
  /** Client threads; each owns an equal share of the clients. */
  threads: number;
  /** How often `onProgress` is called; 0 never. */
  progressMs: number;
  onProgress?: (progress: Progress) => void;
}

export interface Progress {
  elapsedMs: number;
  eventsSent: number;
  notificationsVerified: number;
}

export type SimulationFailure = ClientFailure | { kind: "source closed"; eventsSent: number };

export interface SimulationResult {
  failure: SimulationFailure | null;
  /** From the barrier's end to the last expected byte (or the failure). */
  seconds: number;
  eventsSent: number;
  /** After the barrier broadcast. */
  notificationsVerified: number;
  /** Per notification, from its event's write to its arrival; the barrier broadcast not included. */
  latency: LatencyHistogram;
}

/** After the last expected byte, lines arriving this soon are still caught as extra. */
const QUIET_MS = 250;
const WATCH_MS = 100;

/** A run to simulate: its clients, known up front, and its events, generated once the clients are connected. */
export interface RunPlan {
  clientUsers: Int32Array;
  workload(): Workload;
}

/** The plan of an already generated workload. */
export function planOf(workload: Workload): RunPlan {
  return { clientUsers: workload.clientUsers, workload: () => workload };
}

/**
 * Runs a plan against a server: connects its clients, which send their ids
 * (a server that is not there rejects with a ConnectError before anything is
 * generated), generates the workload, sends the barrier broadcast and waits
 * until every client has it, then sends the rest while every byte every
 * client receives is verified, until all have everything (success), or one
 * receives a wrong or extra byte, is disconnected, or gets nothing it is owed
 * for `timeoutMs` (failure).
 */
export async function simulate(plan: RunPlan, o: SimulationOptions): Promise<SimulationResult> {
  const registered = Promise.withResolvers<void>();
  const ended = Promise.withResolvers<void>();
  let failure: SimulationFailure | null = null;
  let sender: EventSender | null = null;
  let fleetsRegistered = 0;
  let fleetsDone = 0;
  let finishedAt = 0;
  let lastProgress = clock();

  const fail = (f: SimulationFailure): void => {
    failure ??= f;
    ended.resolve();
  };
  const checkEnd = (): void => {
    if (fleetsDone < fleets.length || !sender?.finished || finishedAt !== 0 || failure !== null) return;
    finishedAt = clock();
    setTimeout(() => ended.resolve(), QUIET_MS);
  };
  const listener: FleetListener = {
    registered: () => {
      if (++fleetsRegistered === fleets.length) registered.resolve();
    },
    done: () => {
      fleetsDone++;
      checkEnd();
    },
    failed: fail,
  };
  const n = plan.clientUsers.length;
  const threads = Math.max(1, Math.min(o.threads, n));
  const fleets = Array.from({ length: threads }, (_, t) => {
    const clients = [];
    for (let client = t; client < n; client += threads) clients.push(client);
    return new WorkerFleet(plan.clientUsers, clients, listener);
  });
  const verified = () => fleets.reduce((sum, fleet) => sum + fleet.verified, 0);

  let source: Socket<undefined> | null = null;
  let paceTimer: ReturnType<typeof setTimeout> | undefined;
  const pump = (): void => {
    const s = sender as EventSender;
    const before = s.eventsSent;
    if (!s.pump(source as Socket<undefined>, clock())) {
      fail({ kind: "source closed", eventsSent: s.eventsSent });
      return;
    }
    if (s.eventsSent !== before) lastProgress = clock();
    checkEnd();
    clearTimeout(paceTimer);
    const due = s.nextDueMs;
    if (!Number.isNaN(due)) paceTimer = setTimeout(pump, Math.max(0, due - clock()));
  };

  let verifiedBefore = 0;
  let started = 0;
  let watch: ReturnType<typeof setInterval> | undefined;
  let progress: ReturnType<typeof setInterval> | undefined;
  // Every client's barrier notification is verified before the clock starts; it is not counted.
  const snapshot = (): Progress => ({
    elapsedMs: (finishedAt || clock()) - started,
    eventsSent: sender?.eventsSent ?? 0,
    notificationsVerified: Math.max(0, verified() - n),
  });

  const latency = new LatencyHistogram();
  try {
    await Promise.all(fleets.map((fleet) => fleet.connect(o.host, o.clientPort, o.clientSecret)));
    const workload = plan.workload();
    sender = new EventSender(workload, o.rate);
    for (const fleet of fleets) fleet.attach(workload, sender.sentAt, o.timeoutMs);
    source = await connect<undefined>(o.host, o.eventPort, "event", undefined, {
      drain: () => pump(),
      close() {
        if (!sender?.finished) fail({ kind: "source closed", eventsSent: sender?.eventsSent ?? 0 });
      },
    });
    // Paced runs send small batches, which Nagle would hold back.
    source.setNoDelay(true);
    if (o.sourceSecret !== null) source.write(`${AUTH_PREFIX}${o.sourceSecret}\r\n`);
    lastProgress = clock();
    watch = setInterval(() => {
      const now = clock();
      const count = verified();
      if (count !== verifiedBefore) lastProgress = now;
      verifiedBefore = count;
      // Each thread fails its own stalled clients; this is for when nothing at all moves.
      if (now - lastProgress > o.timeoutMs) for (const fleet of fleets) fleet.failStalled();
    }, WATCH_MS);
    pump();
    await Promise.race([registered.promise, ended.promise]);
    if (failure === null) {
      started = clock();
      if (o.progressMs > 0 && o.onProgress !== undefined) {
        const report = o.onProgress;
        progress = setInterval(() => report(snapshot()), o.progressMs);
      }
      sender.start(started);
      pump();
      await ended.promise;
    }
  } finally {
    clearInterval(watch);
    clearInterval(progress);
    clearTimeout(paceTimer);
    source?.end();
    for (const histogram of await Promise.all(fleets.map((fleet) => fleet.close()))) latency.merge(histogram);
  }

  const last = snapshot();
  return {
    failure,
    seconds: started > 0 ? last.elapsedMs / 1000 : 0,
    eventsSent: last.eventsSent,
    notificationsVerified: last.notificationsVerified,
    latency,
  };
}
