import type { ByteWriter } from "../routing/outbox.ts";
import { clock } from "./client-fleet.ts";
import { EventSender } from "./event-sender.ts";
import { EventWindow, type WindowBuffers, type WindowSizes } from "./event-window.ts";
import { WindowWriter } from "./window-writer.ts";
import type { WorkloadGenerator } from "./workload.ts";

/**
 * The most events the generator and the sender rehearse, and the longest
 * they take: the code runs in JSC's lower tiers meanwhile (about 1 µs an
 * event), and the time is before event 1, which goes out within half a
 * second of the start. Without a rehearsal JSC compiled 480–720 ms of the
 * simulator's code during a 10 s run at 20,000 events/s, most of it at the
 * start and on the two cores the server has too.
 */
export const REHEARSAL = { events: 500_000, ms: 120 };
/** Times the client threads verify the rehearsal's short stream. */
export const VERIFY_PASSES = 2;

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
 * The simulator rehearses its own per-event code on throwaway copies of the
 * run before the clock starts. JSC runs new code in its interpreter and
 * lower tiers until it has run often, and compiles it on threads of its
 * own: a simulator that did this during the run would measure its own
 * warm-up. This is the stream the client threads verify (see
 * ClientFleet.rehearse): the run's first events, as many as the small
 * window holds whole.
 */
export function rehearsalStream(plan: RehearsalPlan, threads: number): RehearsedStream {
  const window = EventWindow.create(SIZES, threads);
  return { buffers: window.buffers, events: send(plan, window, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY) };
}

/**
 * The main thread's part: generates events of the plan's workload (up to
 * the limits, and no more than the run has) into a small window that
 * nobody retains, and sends them to nowhere.
 */
export function rehearseSending(plan: RehearsalPlan, threads: number, limits = REHEARSAL): void {
  const window = EventWindow.create(SIZES, threads);
  for (let t = 0; t < threads; t++) window.retain(t, 2 ** 31 - 1);
  send(plan, window, limits.events, clock() + limits.ms);
}

/**
 * Generates into `window` and writes to nowhere, up to `events` events, the
 * `until` clock or a full window; returns the last event appended.
 */
function send(plan: RehearsalPlan, window: EventWindow, events: number, until: number): number {
  const writer = new WindowWriter(window, SIZES, plan.clientUsers.length);
  const sender = new EventSender(window, 0, SIZES.batches);
  sender.start(clock());
  const generator = plan.rehearsal();
  let last = 0;
  for (let batch = generator.next(); batch !== null && batch.first <= events && clock() < until; batch = generator.next()) {
    // A batch too big for this small window (a run of huge batches) ends the rehearsal early, rather than the run.
    if (batch.byteLength > SIZES.bytes || batch.recipientCount > SIZES.recipients || !writer.fits(batch, sender)) break;
    const start = writer.append(batch);
    sender.add(batch.first, batch.last, start, start + batch.byteLength);
    sender.pump(TAKES_ALL, clock());
    last = batch.last;
  }
  return last;
}
