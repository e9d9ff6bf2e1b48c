import type { ByteWriter } from "../routing/outbox.ts";
import { clock } from "./client-fleet.ts";
import { EventSender } from "./event-sender.ts";
import { EventWindow, type WindowBuffers, type WindowSizes } from "./event-window.ts";
import { WindowWriter } from "./window-writer.ts";
import type { WorkloadGenerator } from "./workload.ts";

/**
 * Events the generator and the sender rehearse: enough for JSC to compile
 * them with its top tier, about 0.1 s of the main thread. Without a
 * rehearsal JSC compiled 480–720 ms of the simulator's code during the
 * first second of a 20,000 events/s run, on the two cores the server has too.
 */
export const REHEARSED_EVENTS = 500_000;
/** Times the client threads verify the rehearsal's short stream. */
export const VERIFY_PASSES = 3;

/**
 * Small, so a rehearsal costs no memory to speak of: the long stream wraps
 * it many times, nobody retaining anything; the short stream is what fits
 * it whole.
 */
const SIZES: WindowSizes = { events: 1 << 13, bytes: 1 << 18, recipients: 1 << 16, notifications: 1 << 16, batches: 1 << 10 };

/** A socket with room for everything. */
const TAKES_ALL: ByteWriter = { write: (_data, _offset, length) => length };

/** What a rehearsal needs of a run's plan (simulation.ts's RunPlan). */
export interface RehearsalPlan {
  clientUsers: Int32Array;
  /** The run's workload from its start, as often as asked. */
  rehearsal(): WorkloadGenerator;
}

/** A short stream of the run's workload, kept whole in shared memory, for the client threads to verify. */
export interface RehearsedStream {
  buffers: WindowBuffers;
  /** Its events are 1 … events. */
  events: number;
}

/**
 * Runs the simulator's own per-event code on a throwaway copy of the run
 * before the clock starts: generates `events` events of the plan's
 * workload (fewer if the run has fewer) into a small window and sends them
 * to nowhere, then generates a stream short enough to keep whole, which
 * the client threads verify (see ClientFleet.rehearse). JSC runs new code
 * in its interpreter and lower tiers until it has run often, and compiles
 * it on threads of its own: a simulator that did this during the run would
 * measure its own warm-up.
 */
export function rehearse(plan: RehearsalPlan, threads: number, events = REHEARSED_EVENTS): RehearsedStream {
  const clients = plan.clientUsers.length;
  const long = EventWindow.create(SIZES, threads);
  for (let t = 0; t < threads; t++) long.retain(t, 2 ** 31 - 1);
  send(plan, long, clients, events);
  const short = EventWindow.create(SIZES, threads);
  return { buffers: short.buffers, events: send(plan, short, clients, events) };
}

/** Generates into `window` and writes to nowhere, up to `events` events or until the window is full; returns the last event appended. */
function send(plan: RehearsalPlan, window: EventWindow, clients: number, events: number): number {
  const writer = new WindowWriter(window, SIZES, clients);
  const sender = new EventSender(window, 0, SIZES.batches);
  sender.start(clock());
  const generator = plan.rehearsal();
  let last = 0;
  for (let batch = generator.next(); batch !== null && batch.first <= events; batch = generator.next()) {
    // A batch too big for this small window (a run of huge batches) ends the rehearsal early, rather than the run.
    if (batch.byteLength > SIZES.bytes || batch.recipientCount > SIZES.recipients || !writer.fits(batch, sender)) break;
    const start = writer.append(batch);
    sender.add(batch.first, batch.last, start, start + batch.byteLength);
    sender.pump(TAKES_ALL, clock());
    last = batch.last;
  }
  return last;
}
