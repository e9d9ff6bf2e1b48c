/**
 * A whole generated run in memory, for tests and micro-benchmarks that want
 * to look at all of it at once (the simulator itself only ever holds a window).
 */
import { EventWindow, type WindowSizes } from "../../src/simulate/event-window.ts";
import { Expectations } from "../../src/simulate/expectations.ts";
import { ByteBuilder, Int32Builder } from "../../src/simulate/growable.ts";
import type { Prng } from "../../src/simulate/prng.ts";
import { WindowWriter } from "../../src/simulate/window-writer.ts";
import { BROADCAST, WorkloadGenerator, type WorkloadOptions } from "../../src/simulate/workload.ts";

export interface Workload {
  readonly events: number;
  /** Every line, CRLF-terminated, in the order it is sent. */
  readonly bytes: Uint8Array;
  /** By sequence number: where the event's line starts in `bytes`, and its length with CRLF. */
  readonly lineStart: Uint32Array;
  readonly lineLength: Uint8Array;
  /** Batch k holds sequence numbers batchFirst[k] … batchFirst[k + 1] − 1; one extra entry closes the last. */
  readonly batchFirst: Int32Array;
  /** Batch k ends at this offset of `bytes` (its noise lines included). */
  readonly batchEnd: Int32Array;
  /** By client: its user id, and the sequence numbers it must be sent, in order. */
  readonly clientUsers: Int32Array;
  readonly expected: Int32Array[];
  readonly notifications: number;
}

export function generateWorkload(rng: Prng, o: WorkloadOptions): Workload {
  const generator = new WorkloadGenerator(rng, o);
  const out = new ByteBuilder();
  const lineStart = new Uint32Array(o.events + 1);
  const lineLength = new Uint8Array(o.events + 1);
  const batchFirst = new Int32Builder();
  const batchEnd = new Int32Builder();
  const expected = Array.from(generator.clientUsers, () => new Int32Builder());
  for (let batch = generator.next(); batch !== null; batch = generator.next()) {
    let recipient = 0;
    for (let k = 0; k <= batch.last - batch.first; k++) {
      const seq = batch.first + k;
      lineStart[seq] = out.length + (batch.lineStart[k] as number);
      lineLength[seq] = batch.lineLength[k] as number;
      const fanout = batch.fanout[k] as number;
      if (fanout === BROADCAST) for (const list of expected) list.push(seq);
      else for (let j = 0; j < fanout; j++) (expected[batch.recipients[recipient++] as number] as Int32Builder).push(seq);
    }
    out.bytes(batch.bytes, 0, batch.byteLength);
    batchFirst.push(batch.first);
    batchEnd.push(out.length);
  }
  batchFirst.push(o.events + 1);
  return {
    events: o.events,
    bytes: out.finish(),
    lineStart,
    lineLength,
    batchFirst: batchFirst.finish(),
    batchEnd: batchEnd.finish(),
    clientUsers: generator.clientUsers,
    expected: expected.map((list) => list.finish()),
    notifications: generator.notifications,
  };
}

/** Small enough to wrap often in tests. */
export const TEST_WINDOW: WindowSizes = { events: 1 << 10, bytes: 1 << 15, recipients: 1 << 12, notifications: 1 << 14, batches: 1 << 5 };

/**
 * A run appended whole to a window (it must fit), read by one client thread
 * owning every client: what a fleet sees once the generator is done.
 */
export function loadedWindow(rng: Prng, o: WorkloadOptions, sizes: WindowSizes = TEST_WINDOW) {
  const generator = new WorkloadGenerator(rng, o);
  const window = EventWindow.create(sizes, 1);
  const writer = new WindowWriter(window, sizes, o.clients);
  /** By batch: its events and where its bytes are in the window's stream. */
  const batches: { first: number; last: number; start: number; end: number }[] = [];
  const sender = { neededSeq: 1, neededByte: 0, full: false };
  for (let batch = generator.next(); batch !== null; batch = generator.next()) {
    if (!writer.fits(batch, sender)) throw new Error("the run does not fit the test window");
    const start = writer.append(batch);
    batches.push({ first: batch.first, last: batch.last, start, end: start + batch.byteLength });
  }
  const clients = Array.from(generator.clientUsers, (_, client) => client);
  const expectations = new Expectations(window, 0, clients, clients.length, o.events);
  expectations.scan();
  return { window, writer, generator, batches, expectations };
}
