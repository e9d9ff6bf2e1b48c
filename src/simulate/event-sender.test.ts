import { describe, expect, test } from "bun:test";
import { FakeWriter } from "../../test/support/fake-writer.ts";
import { generateWorkload, loadedWindow } from "../../test/support/workload.ts";
import { EventSender } from "./event-sender.ts";
import { EventWindow } from "./event-window.ts";
import { Prng } from "./prng.ts";
import { WindowWriter } from "./window-writer.ts";
import { WorkloadGenerator, type WorkloadOptions } from "./workload.ts";

const OPTIONS: WorkloadOptions = { events: 300, users: 30, clients: 5, maxBatch: 20, mix: { F: 25, U: 15, P: 30, S: 29, B: 1 }, degree: 5, noise: 0.1 };
const SEED = 8;
/** The whole run, to compare with what was written. */
const W = generateWorkload(new Prng(SEED), OPTIONS);
const BARRIER = W.batchEnd[0] as number;
const BATCHES = W.batchEnd.length;

/** A sender with every batch of the run added, and when each batch's events were stamped. */
function setup(rate: number, o: WorkloadOptions = OPTIONS, seed = SEED) {
  const sizes = { events: 1 << 16, bytes: 1 << 22, recipients: 1 << 16, notifications: 1 << 20, batches: 1 << 10 };
  const { window, batches } = loadedWindow(new Prng(seed), o, sizes);
  const sender = new EventSender(window, rate, sizes.batches);
  for (const b of batches) sender.add(b.first, b.last, b.start, b.end);
  sender.end();
  const sentAt = (k: number) => window.buffers.sentAt[(batches[k]?.first as number) & window.eventMask] as number;
  return { sender, window, batches, sentAt };
}

/** Batches whose every byte is within the first `taken` bytes. */
const completeBatches = (taken: number) => W.batchEnd.filter((end) => end <= taken).length;

/** Milliseconds after start() at which batch k may go, at `rate` events per second. */
const dueAfterMs = (k: number, rate: number) => (((W.batchFirst[k] as number) - 2) / rate) * 1000;

describe("EventSender", () => {
  test("before start only the barrier batch is written, and stamped", () => {
    for (const rate of [0, 1000]) {
      const { sender, sentAt } = setup(rate);
      const writer = new FakeWriter();
      expect(sender.eventsSent).toBe(0);
      expect(sender.neededSeq).toBe(1);
      expect(sender.pump(writer, 7)).toBe(true);
      expect(writer.bytes()).toEqual(W.bytes.subarray(0, BARRIER));
      expect(writer.text().startsWith("1|B\r\n")).toBe(true);
      expect(sentAt(0)).toBe(7);
      expect(sentAt(1)).toBeNaN();
      expect(sender.eventsSent).toBe(1);
      expect(sender.neededSeq).toBe(2);
      expect(sender.neededByte).toBe(BARRIER);
      expect(sender.finished).toBe(false);
      expect(sender.nextDueMs).toBeNaN();
      expect(sender.pump(writer, 8)).toBe(true);
      expect(writer.bytes().length).toBe(BARRIER);
      expect(sentAt(0)).toBe(7);
    }
  });

  test("unpaced, the whole stream goes out in order across partial writes, each batch stamped by the pump that wrote its first byte", () => {
    for (const seed of [1, 2, 3]) {
      const prng = new Prng(seed);
      const { sender, sentAt } = setup(0);
      const writer = new FakeWriter();
      sender.pump(writer, 0);
      sender.start(1);
      expect(sender.nextDueMs).toBeNaN();
      const startedAt = new Float64Array(BATCHES).fill(Number.NaN);
      startedAt[0] = 0;
      let now = 1;
      let pumps = 0;
      while (!sender.finished) {
        now += prng.range(0, 2);
        writer.capacity = prng.pick([0, prng.range(1, 40), prng.range(1, 400)]);
        expect(sender.pump(writer, now)).toBe(true);
        const taken = writer.bytes().length;
        for (let k = 0; k < BATCHES && (k === 0 ? 0 : (W.batchEnd[k - 1] as number)) < taken; k++) if (Number.isNaN(startedAt[k])) startedAt[k] = now;
        expect(sender.eventsSent).toBe((W.batchFirst[completeBatches(taken)] as number) - 1);
        expect(sender.neededByte).toBe(taken);
        expect(Array.from({ length: BATCHES }, (_, k) => sentAt(k))).toEqual(Array.from(startedAt));
        expect(pumps++).toBeLessThan(10_000);
      }
      expect(writer.bytes()).toEqual(W.bytes);
      expect(sender.eventsSent).toBe(W.events);
      expect(pumps).toBeGreaterThan(10);
      const writes = writer.writes;
      expect(sender.pump(writer, now + 1)).toBe(true);
      expect(writer.writes).toBe(writes);
    }
  });

  test("a batch is stamped before the write that hands it over returns: a server can deliver it, and a client verify it, meanwhile", () => {
    for (const seed of [1, 2, 3]) {
      const prng = new Prng(seed);
      const { sender, batches, sentAt } = setup(0);
      let now = 0;
      let checked = 0;
      const writer = new (class extends FakeWriter {
        override write(data: Uint8Array, byteOffset: number, byteLength: number): number {
          const before = this.bytes().length;
          const taken = super.write(data, byteOffset, byteLength);
          // What a client could already have: every batch starting in the bytes this call takes.
          batches.forEach((batch, k) => {
            if (batch.start < before || batch.start >= before + taken) return;
            expect(sentAt(k)).toBe(now);
            checked++;
          });
          return taken;
        }
      })();
      sender.start(0);
      while (!sender.finished) {
        now++;
        writer.capacity = prng.pick([0, prng.range(1, 40), prng.range(1, 400)]);
        sender.pump(writer, now);
      }
      expect(checked).toBe(BATCHES);
    }
  });

  test("scripted partial writes resume exactly where the last one stopped", () => {
    const { sender, sentAt } = setup(0);
    const writer = new FakeWriter();
    sender.start(0);
    writer.limits = [BARRIER + 3, 0, 1, 2, 5];
    for (let now = 1; !sender.finished; now++) sender.pump(writer, now);
    expect(writer.bytes()).toEqual(W.bytes);
    expect(writer.calls[1]).toEqual(W.bytes.subarray(BARRIER + 3));
    expect(writer.calls[2]).toEqual(W.bytes.subarray(BARRIER + 3));
    expect(writer.calls[3]).toEqual(W.bytes.subarray(BARRIER + 4));
    expect(writer.calls[4]).toEqual(W.bytes.subarray(BARRIER + 6));
    expect(sentAt(0)).toBe(1);
  });

  test("a large stream is handed over at most 256 KiB per write call", () => {
    const o = { ...OPTIONS, events: 40_000 };
    const big = generateWorkload(new Prng(3), o);
    expect(big.bytes.length).toBeGreaterThan(2 * 256 * 1024);
    const { sender } = setup(0, o, 3);
    const writer = new FakeWriter();
    sender.start(0);
    expect(sender.pump(writer, 1)).toBe(true);
    expect(sender.finished).toBe(true);
    expect(writer.writes).toBe(Math.ceil(big.bytes.length / (256 * 1024)));
    for (const call of writer.calls) expect(call.length).toBeLessThanOrEqual(256 * 1024);
    expect(writer.bytes()).toEqual(big.bytes);
  });

  test("a closed writer makes pump return false, and a writer that closes midway stops the stream where it was", () => {
    const closed = setup(0);
    const writer = new FakeWriter();
    writer.closed = true;
    expect(closed.sender.pump(writer, 1)).toBe(false);
    expect(closed.sender.eventsSent).toBe(0);
    expect(closed.sentAt(0)).toBeNaN();

    const { sender } = setup(0);
    const midway = new FakeWriter();
    sender.start(0);
    midway.capacity = 100;
    expect(sender.pump(midway, 1)).toBe(true);
    midway.closed = true;
    expect(sender.pump(midway, 2)).toBe(false);
    expect(midway.bytes()).toEqual(W.bytes.subarray(0, 100));
    expect(sender.finished).toBe(false);
  });

  test.each([100, 1000, 25_000])("paced at %p events/s, batches are released only when due", (rate) => {
    const { sender, sentAt } = setup(rate);
    const writer = new FakeWriter();
    const t0 = 10_000;
    sender.pump(writer, t0 - 5);
    sender.start(t0);
    expect(sender.nextDueMs).toBe(t0);
    const prng = new Prng(rate);
    let now = t0;
    let released = 1;
    while (released < BATCHES) {
      expect(sender.pump(writer, now)).toBe(true);
      while (released < BATCHES && dueAfterMs(released, rate) <= now - t0) released++;
      expect(writer.bytes().length).toBe(W.batchEnd[released - 1] as number);
      expect(sentAt(released - 1)).toBeLessThanOrEqual(now);
      if (released < BATCHES) {
        const due = t0 + dueAfterMs(released, rate);
        expect(sender.nextDueMs).toBe(due);
        const before = writer.bytes().length;
        sender.pump(writer, due - 1e-6);
        expect(writer.bytes().length).toBe(before);
        now = prng.chance(0.5) ? due : due + prng.next() * (40_000 / rate);
      }
    }
    expect(sender.nextDueMs).toBeNaN();
    expect(sender.finished).toBe(true);
    expect(writer.bytes()).toEqual(W.bytes);
    for (let k = 1; k < BATCHES; k++) expect(sentAt(k)).toBeGreaterThanOrEqual(t0 + dueAfterMs(k, rate));
  });

  test("paced batches released while the writer is full go out on a later pump, stamped then", () => {
    const { sender, sentAt } = setup(1000);
    const writer = new FakeWriter();
    sender.pump(writer, 0);
    sender.start(100);
    writer.capacity = 0;
    const late = 100 + dueAfterMs(BATCHES - 1, 1000) + 1;
    expect(sender.pump(writer, late)).toBe(true);
    expect(sender.nextDueMs).toBeNaN();
    expect(sender.eventsSent).toBe(1);
    expect(sentAt(1)).toBeNaN();
    writer.capacity = Number.POSITIVE_INFINITY;
    expect(sender.pump(writer, late + 50)).toBe(true);
    expect(sender.finished).toBe(true);
    for (let k = 1; k < BATCHES; k++) expect(sentAt(k)).toBe(late + 50);
  });

  test("through a window far smaller than the run, the stream still goes out whole and in order, wrapping the ring", () => {
    const o = { ...OPTIONS, events: 20_000 };
    const whole = generateWorkload(new Prng(5), o);
    const sizes = { events: 256, bytes: 1 << 14, recipients: 1024, notifications: 4096, batches: 8 };
    const window = EventWindow.create(sizes, 1);
    // No client thread holds anything back here: only the sender does.
    window.retain(0, 2 ** 31 - 1);
    const writer = new WindowWriter(window, sizes, o.clients);
    const sender = new EventSender(window, 0, sizes.batches);
    const generator = new WorkloadGenerator(new Prng(5), o);
    const out = new FakeWriter();
    sender.start(0);
    const prng = new Prng(9);
    for (let batch = generator.next(); batch !== null; batch = generator.next()) {
      while (!writer.fits(batch, sender)) {
        out.capacity = prng.range(1, 3000);
        expect(sender.pump(out, 1)).toBe(true);
      }
      const start = writer.append(batch);
      sender.add(batch.first, batch.last, start, start + batch.byteLength);
    }
    sender.end();
    out.capacity = Number.POSITIVE_INFINITY;
    expect(sender.pump(out, 2)).toBe(true);
    expect(sender.finished).toBe(true);
    expect(sender.eventsSent).toBe(o.events);
    expect(out.bytes()).toEqual(whole.bytes);
  });

  test("holding as many batches as it can, it is full until a write completes the oldest", () => {
    const { window, batches } = loadedWindow(new Prng(SEED), OPTIONS);
    const sender = new EventSender(window, 0, 4);
    const taken = batches.slice(0, 4);
    for (const b of taken) {
      expect(sender.full).toBe(false);
      sender.add(b.first, b.last, b.start, b.end);
    }
    expect(sender.full).toBe(true);
    sender.start(0);
    const out = new FakeWriter();
    out.capacity = (taken[1]?.end as number) - 1;
    expect(sender.pump(out, 1)).toBe(true);
    expect(sender.full).toBe(false);
    expect(sender.eventsSent).toBe(taken[0]?.last as number);
  });
});
