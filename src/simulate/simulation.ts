import type { Socket } from "bun";
import { AUTH_PREFIX } from "../auth/source-secret.ts";
import { releaseCodePages } from "../runtime/code-pages.ts";
import { type ClientTarget, clock, type FleetListener } from "./client-fleet.ts";
import { type CompilerIdleOptions, compilerIdle } from "./compiler-idle.ts";
import { connect } from "./connect.ts";
import { EventSender } from "./event-sender.ts";
import { EventWindow, WINDOW_SIZES, type WindowSizes } from "./event-window.ts";
import { LatencyHistogram } from "./latency-histogram.ts";
import { Prng } from "./prng.ts";
import { rehearsalStream, rehearseSending, VERIFY_PASSES } from "./rehearsal.ts";
import type { ClientFailure } from "./verifier.ts";
import { WindowWriter } from "./window-writer.ts";
import { WorkerFleet } from "./worker-fleet.ts";
import { type Batch, pickClients, WorkloadGenerator, type WorkloadOptions } from "./workload.ts";

export interface SimulationOptions extends Omit<ClientTarget, "secret"> {
  eventPort: number;
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
  /** The in-flight window; tests make it small to wrap it many times. */
  window?: WindowSizes;
}

export interface Progress {
  elapsedMs: number;
  events: number;
  eventsSent: number;
  /** Owed by the events generated so far, and verified, both with the barrier broadcast's. */
  notifications: number;
  notificationsVerified: number;
  /** Every event has been generated, so `notifications` is the run's total. */
  generated: boolean;
}

export type SimulationFailure = ClientFailure | { kind: "source closed"; eventsSent: number };

export interface SimulationResult {
  failure: SimulationFailure | null;
  /** From the barrier's end, or from the window's being full if later, to the last expected byte (or the failure). */
  seconds: number;
  events: number;
  eventsSent: number;
  clients: number;
  /** Owed by the events generated, the barrier broadcast's included. */
  notifications: number;
  /** After the barrier broadcast. */
  notificationsVerified: number;
  /** Per notification, from its event's write to its arrival; the barrier broadcast not included. */
  latency: LatencyHistogram;
  /** Clients that received the barrier broadcast (all of them once the run got past it). */
  barrierClients: number;
}

/**
 * The least time between the clients' ids going out and event 1 (the
 * barrier; the rehearsal may take longer): a server
 * knows a client only once it has read its id, and one that reads ids on
 * threads of its own (one per client) can still be starting them when the
 * event source's first line arrives; a client it registers after event 1
 * never gets it, and the run fails. The protocol has no acknowledgement to
 * wait for instead; this comes before the clock starts.
 */
export const SETTLE_MS = 100;
/**
 * After the rehearsal (rehearsal.ts), how long to wait for JSC to finish
 * compiling what it ran, so that work is not done on the run's time. On the
 * 2-core machine of the README's figures it is usually still compiling
 * when the bound comes: the bound keeps event 1 within half a second of the start.
 */
const COMPILER_IDLE: CompilerIdleOptions = { maxMs: 60, quietMs: 10, pollMs: 2 };
/** After the last expected byte, lines arriving this soon are still caught as extra. */
const QUIET_MS = 250;
const WATCH_MS = 100;
/** The longest the generator runs before letting the sockets and timers have the thread. */
const SLICE_MS = 2;
/** How soon to look again when the client threads hold the whole window. */
const POLL_MS = 1;
/** Unsent bytes worth a write before the slice ends. */
const PUMP_BYTES = 256 * 1024;

/** A run to simulate: its clients, known up front, and its events, generated as they are sent. */
export interface RunPlan {
  clientUsers: Int32Array;
  generator(): WorkloadGenerator;
  /** The same workload again, for the simulator's rehearsal before the run (rehearsal.ts): nothing is told of it. */
  rehearsal(): WorkloadGenerator;
}

/** The run `seed` generates: its clients are the generator's first draws, so they can connect before anything else is generated. */
export function planFor(seed: number, options: WorkloadOptions): RunPlan {
  const workload = () => new WorkloadGenerator(new Prng(seed), options);
  return { clientUsers: pickClients(new Prng(seed), options.users, options.clients), generator: workload, rehearsal: workload };
}

/**
 * Runs a plan against a server: connects its clients, which send their ids
 * (a server that is not there rejects with a ConnectError before anything is
 * generated), sends the barrier broadcast and waits until every client has
 * it, then generates and sends the rest while every byte every client
 * receives is verified, until all have everything (success), or one
 * receives a wrong or extra byte, is disconnected, or gets nothing it is owed
 * for `timeoutMs` (failure). Only a window of events is in memory at a time.
 */
export async function simulate(plan: RunPlan, o: SimulationOptions): Promise<SimulationResult> {
  const registered = Promise.withResolvers<void>();
  /** The generator has filled the window, or generated the whole run. */
  const filled = Promise.withResolvers<void>();
  const ended = Promise.withResolvers<void>();
  let failure: SimulationFailure | null = null;
  let fleetsRegistered = 0;
  let fleetsDone = 0;
  let finishedAt = 0;
  let over = false;
  let lastProgress = clock();

  const n = plan.clientUsers.length;
  const threads = Math.max(1, Math.min(o.threads, n));
  const sizes = o.window ?? WINDOW_SIZES;
  const window = EventWindow.create(sizes, threads);
  const writer = new WindowWriter(window, sizes, n);
  const sender = new EventSender(window, o.rate, sizes.batches);
  let generator: WorkloadGenerator | null = null;
  let pending: Batch | null = null;
  let progress: ReturnType<typeof setInterval> | undefined;

  // Every client's barrier notification is verified before the clock starts.
  let started = 0;
  const snapshot = (): Progress => ({
    elapsedMs: (finishedAt || clock()) - started,
    events: generator?.events ?? 0,
    eventsSent: sender.eventsSent,
    notifications: generator?.notifications ?? 0,
    notificationsVerified: fleets.reduce((sum, fleet) => sum + fleet.verified, 0),
    generated: generator?.done === true && pending === null,
  });
  /** Stops the run's clock and progress reports, with one last report of the final figures. */
  const stop = (): void => {
    if (over) return;
    over = true;
    finishedAt = clock();
    if (progress !== undefined) {
      clearInterval(progress);
      o.onProgress?.(snapshot());
    }
  };
  const fail = (f: SimulationFailure): void => {
    if (failure !== null) return;
    failure = f;
    stop();
    ended.resolve();
  };
  const checkEnd = (): void => {
    if (fleetsDone < fleets.length || !sender.finished || over) return;
    stop();
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
  const fleets = Array.from({ length: threads }, (_, t) => {
    const clients = [];
    for (let client = t; client < n; client += threads) clients.push(client);
    return new WorkerFleet(plan.clientUsers, clients, listener);
  });

  let source: Socket<undefined> | null = null;
  let paceTimer: ReturnType<typeof setTimeout> | undefined;
  let unsent = 0;
  const pump = (): boolean => {
    const before = sender.eventsSent;
    if (!sender.pump(source as Socket<undefined>, clock())) {
      fail({ kind: "source closed", eventsSent: sender.eventsSent });
      return false;
    }
    unsent = 0;
    if (sender.eventsSent !== before) lastProgress = clock();
    checkEnd();
    clearTimeout(paceTimer);
    const due = sender.nextDueMs;
    if (!Number.isNaN(due)) paceTimer = setTimeout(advance, Math.max(0, due - clock()));
    return true;
  };

  /**
   * Generates into the window as far as it has room, a slice at a time, and
   * sends what is due. When the window is full, the sender's drain or pace
   * timer brings more room, or else the client threads' progress, which is polled.
   */
  let scheduled = false;
  const later = (delayMs: number): void => {
    if (scheduled) return;
    scheduled = true;
    const run = () => {
      scheduled = false;
      advance();
    };
    if (delayMs === 0) setImmediate(run);
    else setTimeout(run, delayMs);
  };
  const advance = (): void => {
    if (failure !== null || generator === null) return;
    const sliceEnd = clock() + SLICE_MS;
    for (;;) {
      pending ??= generator.next();
      if (pending === null || !writer.fits(pending, sender)) {
        filled.resolve();
        break;
      }
      const start = writer.append(pending);
      sender.add(pending.first, pending.last, start, start + pending.byteLength);
      unsent += pending.byteLength;
      pending = null;
      if (generator.done) sender.end();
      if (unsent >= PUMP_BYTES && !pump()) return;
      if (clock() > sliceEnd) {
        later(0);
        break;
      }
    }
    if (!pump()) return;
    if (pending !== null && writer.mustPoll(sender)) later(POLL_MS);
  };

  let verifiedBefore = 0;
  let watch: ReturnType<typeof setInterval> | undefined;
  const latency = new LatencyHistogram();
  try {
    const target: ClientTarget = { host: o.host, ports: o.ports, transport: o.transport, secret: o.clientSecret };
    const connecting = Promise.all(fleets.map((fleet) => fleet.connect(target)));
    // The client threads verify a stream of the run while they connect, and the main thread rehearses sending
    // meanwhile (rehearsal.ts); the pause before event 1 runs through both.
    const stream = rehearsalStream(plan, threads);
    const verified = Promise.all(fleets.map((fleet, t) => fleet.rehearse(stream.buffers, t, stream.events, VERIFY_PASSES)));
    rehearseSending(plan, threads);
    const [connectedAt] = await Promise.all([connecting, verified]);
    const settled = Math.max(...connectedAt) + SETTLE_MS;
    await compilerIdle(COMPILER_IDLE);
    // Once the compiler threads are done: what starting, connecting and the rehearsal touched need not count in the run's peak.
    releaseCodePages();
    await Bun.sleep(Math.max(0, settled - clock()));
    generator = plan.generator();
    for (const [t, fleet] of fleets.entries()) fleet.attach(window.buffers, t, generator.events, o.timeoutMs);
    source = await connect<undefined>(o.host, o.eventPort, "event", undefined, {
      drain: () => {
        if (pump()) advance();
      },
      close() {
        if (!sender.finished) fail({ kind: "source closed", eventsSent: sender.eventsSent });
      },
    });
    // Paced runs send small batches, which Nagle would hold back.
    source.setNoDelay(true);
    if (o.sourceSecret !== null) source.write(`${AUTH_PREFIX}${o.sourceSecret}\r\n`);
    lastProgress = clock();
    watch = setInterval(() => {
      const now = clock();
      const count = snapshot().notificationsVerified;
      if (count !== verifiedBefore) lastProgress = now;
      verifiedBefore = count;
      // Each thread fails its own stalled clients; this is for when nothing at all moves.
      if (now - lastProgress > o.timeoutMs) for (const fleet of fleets) fleet.failStalled();
      // Socket reads and timers leave garbage at a steady rate; collecting it often keeps the peak RSS flat however long the run.
      Bun.gc(false);
    }, WATCH_MS);
    advance();
    // The clock starts once the window is full and every client thread has queued what it holds: generating and
    // reading a whole window at once would otherwise take the cores from the run's first deliveries.
    const ready = Promise.all([registered.promise, filled.promise]).then(() => Promise.all(fleets.map((fleet) => fleet.catchUp())));
    await Promise.race([ready, ended.promise]);
    if (failure === null) {
      started = clock();
      if (o.progressMs > 0 && o.onProgress !== undefined) {
        const report = o.onProgress;
        progress = setInterval(() => report(snapshot()), o.progressMs);
      }
      sender.start(started);
      advance();
      await ended.promise;
    }
  } finally {
    stop();
    clearInterval(watch);
    clearTimeout(paceTimer);
    source?.end();
    for (const histogram of await Promise.all(fleets.map((fleet) => fleet.close()))) latency.merge(histogram);
  }

  const last = snapshot();
  return {
    failure,
    seconds: started > 0 ? last.elapsedMs / 1000 : 0,
    events: last.events,
    eventsSent: last.eventsSent,
    clients: n,
    notifications: last.notifications,
    notificationsVerified: Math.max(0, last.notificationsVerified - n),
    latency,
    // Until every client has the barrier nothing else is sent, so each notification verified is one client's barrier.
    barrierClients: started > 0 ? n : Math.min(n, last.notificationsVerified),
  };
}
