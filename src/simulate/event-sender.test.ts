import { describe, expect, test } from "bun:test";
import { FakeWriter } from "../../test/support/fake-writer.ts";
import { EventSender } from "./event-sender.ts";
import { Prng } from "./prng.ts";
import { generateWorkload, type Workload } from "./workload.ts";

function workload(events = 300, seed = 8): Workload {
  return generateWorkload(new Prng(seed), {
    events,
    users: 30,
    clients: 5,
    maxBatch: 20,
    mix: { F: 25, U: 15, P: 30, S: 29, B: 1 },
    degree: 5,
    noise: 0.1,
  });
}

const W = workload();
const BARRIER = W.batchEnd[0];

/** Batches whose every byte is within the first `taken` bytes. */
const completeBatches = (w: Workload, taken: number) => w.batchEnd.filter((end) => end <= taken).length;

/** Milliseconds after start() at which batch k may go, at `rate` events per second. */
const dueAfterMs = (w: Workload, k: number, rate: number) => ((w.batchFirst[k] - 2) / rate) * 1000;

describe("EventSender", () => {
  test("before start only the barrier batch is written, and stamped", () => {
    for (const rate of [0, 1000]) {
      const sender = new EventSender(W, rate);
      const writer = new FakeWriter();
      expect(sender.batches).toBe(W.batchEnd.length);
      expect(sender.eventsSent).toBe(0);
      expect(sender.nextDueMs).toBeNaN();
      expect(sender.pump(writer, 7)).toBe(true);
      expect(writer.bytes()).toEqual(W.bytes.subarray(0, BARRIER));
      expect(writer.text().startsWith("1|B\r\n")).toBe(true);
      expect(sender.sentAt[0]).toBe(7);
      expect(Array.from(sender.sentAt.subarray(1)).every(Number.isNaN)).toBe(true);
      expect(sender.eventsSent).toBe(1);
      expect(sender.finished).toBe(false);
      expect(sender.nextDueMs).toBeNaN();
      // Pumping again before start writes nothing more.
      expect(sender.pump(writer, 8)).toBe(true);
      expect(writer.bytes().length).toBe(BARRIER);
      expect(sender.sentAt[0]).toBe(7);
    }
  });

  test("unpaced, the whole stream goes out in order across partial writes, each batch stamped by the pump that wrote its first byte", () => {
    for (const seed of [1, 2, 3]) {
      const prng = new Prng(seed);
      const sender = new EventSender(W, 0);
      const writer = new FakeWriter();
      sender.pump(writer, 0);
      sender.start(1);
      expect(sender.nextDueMs).toBeNaN();
      /** By batch: the `now` of the first pump after which some of it was taken. */
      const startedAt = new Float64Array(W.batchEnd.length).fill(Number.NaN);
      startedAt[0] = 0;
      let now = 1;
      let pumps = 0;
      while (!sender.finished) {
        now += prng.range(0, 2);
        // Some pumps take nothing, some a few bytes, some a few batches.
        writer.capacity = prng.pick([0, prng.range(1, 40), prng.range(1, 400)]);
        expect(sender.pump(writer, now)).toBe(true);
        const taken = writer.bytes().length;
        for (let k = 0; k < W.batchEnd.length && (k === 0 ? 0 : W.batchEnd[k - 1]) < taken; k++) if (Number.isNaN(startedAt[k])) startedAt[k] = now;
        expect(sender.eventsSent).toBe(W.batchFirst[completeBatches(W, taken)] - 1);
        expect(Array.from(sender.sentAt)).toEqual(Array.from(startedAt));
        expect(pumps++).toBeLessThan(10_000);
      }
      expect(writer.bytes()).toEqual(W.bytes);
      expect(sender.eventsSent).toBe(W.events);
      expect(pumps).toBeGreaterThan(10);
      for (let k = 1; k < sender.batches; k++) expect(sender.sentAt[k]).toBeGreaterThanOrEqual(sender.sentAt[k - 1]);
      // Once finished, pumping writes nothing more.
      const writes = writer.writes;
      expect(sender.pump(writer, now + 1)).toBe(true);
      expect(writer.writes).toBe(writes);
    }
  });

  test("scripted partial writes resume exactly where the last one stopped", () => {
    const sender = new EventSender(W, 0);
    const writer = new FakeWriter();
    sender.start(0);
    writer.limits = [BARRIER + 3, 0, 1, 2, 5];
    for (let now = 1; !sender.finished; now++) sender.pump(writer, now);
    expect(writer.bytes()).toEqual(W.bytes);
    // Each call asks for the rest from where the previous one stopped.
    expect(writer.calls[1]).toEqual(W.bytes.subarray(BARRIER + 3));
    expect(writer.calls[2]).toEqual(W.bytes.subarray(BARRIER + 3));
    expect(writer.calls[3]).toEqual(W.bytes.subarray(BARRIER + 4));
    expect(writer.calls[4]).toEqual(W.bytes.subarray(BARRIER + 6));
    expect(sender.sentAt[0]).toBe(1);
  });

  test("a large stream is handed over at most 256 KiB per write call", () => {
    const big = workload(40_000, 3);
    expect(big.bytes.length).toBeGreaterThan(2 * 256 * 1024);
    const sender = new EventSender(big, 0);
    const writer = new FakeWriter();
    sender.start(0);
    expect(sender.pump(writer, 1)).toBe(true);
    expect(sender.finished).toBe(true);
    expect(writer.writes).toBe(Math.ceil(big.bytes.length / (256 * 1024)));
    for (const call of writer.calls) expect(call.length).toBeLessThanOrEqual(256 * 1024);
    expect(writer.bytes()).toEqual(big.bytes);
  });

  test("a closed writer makes pump return false and marks the sender closed", () => {
    const sender = new EventSender(W, 0);
    const writer = new FakeWriter();
    writer.closed = true;
    expect(sender.closed).toBe(false);
    expect(sender.pump(writer, 1)).toBe(false);
    expect(sender.closed).toBe(true);
    expect(sender.eventsSent).toBe(0);
    expect(sender.sentAt[0]).toBeNaN();
  });

  test("a writer that closes midway stops the stream where it was", () => {
    const sender = new EventSender(W, 0);
    const writer = new FakeWriter();
    sender.start(0);
    writer.capacity = 100;
    expect(sender.pump(writer, 1)).toBe(true);
    writer.closed = true;
    expect(sender.pump(writer, 2)).toBe(false);
    expect(sender.closed).toBe(true);
    expect(writer.bytes()).toEqual(W.bytes.subarray(0, 100));
    expect(sender.finished).toBe(false);
  });

  test.each([100, 1000, 25_000])("paced at %p events/s, batches are released only when due", (rate) => {
    const sender = new EventSender(W, rate);
    const writer = new FakeWriter();
    const t0 = 10_000;
    sender.pump(writer, t0 - 5);
    sender.start(t0);
    // Batch 1 starts at event 2, the first after the barrier: due at once.
    expect(sender.nextDueMs).toBe(t0);
    const prng = new Prng(rate);
    let now = t0;
    let released = 1;
    while (released < sender.batches) {
      expect(sender.pump(writer, now)).toBe(true);
      while (released < sender.batches && dueAfterMs(W, released, rate) <= now - t0) released++;
      expect(writer.bytes().length).toBe(W.batchEnd[released - 1]);
      expect(completeBatches(W, writer.bytes().length)).toBe(released);
      expect(sender.sentAt[released - 1]).toBeLessThanOrEqual(now);
      if (released < sender.batches) {
        const due = t0 + dueAfterMs(W, released, rate);
        expect(sender.nextDueMs).toBe(due);
        // Just before the next batch is due, pumping writes nothing new.
        const before = writer.bytes().length;
        sender.pump(writer, due - 1e-6);
        expect(writer.bytes().length).toBe(before);
        // Sometimes exactly on time, sometimes late enough to release several at once.
        now = prng.chance(0.5) ? due : due + prng.next() * (40_000 / rate);
      }
    }
    expect(sender.nextDueMs).toBeNaN();
    expect(sender.finished).toBe(true);
    expect(writer.bytes()).toEqual(W.bytes);
    for (let k = 1; k < sender.batches; k++) expect(sender.sentAt[k]).toBeGreaterThanOrEqual(t0 + dueAfterMs(W, k, rate));
  });

  test("paced batches released while the writer is full go out on a later pump, stamped then", () => {
    const sender = new EventSender(W, 1000);
    const writer = new FakeWriter();
    sender.pump(writer, 0);
    sender.start(100);
    writer.capacity = 0;
    // Late enough that every batch is due.
    const late = 100 + dueAfterMs(W, sender.batches - 1, 1000) + 1;
    expect(sender.pump(writer, late)).toBe(true);
    expect(sender.nextDueMs).toBeNaN();
    expect(sender.eventsSent).toBe(1);
    expect(sender.sentAt[1]).toBeNaN();
    writer.capacity = Infinity;
    expect(sender.pump(writer, late + 50)).toBe(true);
    expect(sender.finished).toBe(true);
    expect(Array.from(sender.sentAt.subarray(1)).every((t) => t === late + 50)).toBe(true);
  });

  test("unpaced, nextDueMs is NaN throughout", () => {
    const sender = new EventSender(W, 0);
    const writer = new FakeWriter();
    expect(sender.nextDueMs).toBeNaN();
    sender.start(0);
    expect(sender.nextDueMs).toBeNaN();
    writer.capacity = 10;
    sender.pump(writer, 1);
    expect(sender.nextDueMs).toBeNaN();
  });
});
