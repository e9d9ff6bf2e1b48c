import { describe, expect, test } from "bun:test";
import { FakeWriter } from "../../test/support/fake-writer.ts";
import { EventSender } from "./event-sender.ts";
import { EventWindow, type WindowSizes } from "./event-window.ts";
import { Prng } from "./prng.ts";
import { WindowWriter } from "./window-writer.ts";
import { type Batch, WorkloadGenerator, type WorkloadOptions } from "./workload.ts";

const OPTIONS: WorkloadOptions = { events: 5_000, users: 30, clients: 5, maxBatch: 20, mix: { F: 25, U: 15, P: 30, S: 29, B: 1 }, degree: 5, noise: 0.05 };
const SIZES: WindowSizes = { events: 64, bytes: 1 << 12, recipients: 256, notifications: 1024, batches: 64 };
const THREADS = 2;

/**
 * A window the generator has filled while the sender writes everything at
 * once and both client threads still hold event 1: the next batch, returned,
 * does not fit.
 */
function filled(out: FakeWriter) {
  const window = EventWindow.create(SIZES, THREADS);
  const writer = new WindowWriter(window, SIZES, OPTIONS.clients);
  const sender = new EventSender(window, 0, SIZES.batches);
  sender.start(0);
  const generator = new WorkloadGenerator(new Prng(4), OPTIONS);
  let batch = generator.next() as Batch;
  while (writer.fits(batch, sender)) {
    const start = writer.append(batch);
    sender.add(batch.first, batch.last, start, start + batch.byteLength);
    expect(sender.pump(out, 1)).toBe(true);
    batch = generator.next() as Batch;
  }
  return { window, writer, sender, generator, batch };
}

describe("WindowWriter", () => {
  test("client threads that catch up after fits() looked still get the generator to look again, and that look finds room", () => {
    const { window, writer, sender, batch } = filled(new FakeWriter());
    expect(sender.neededSeq).toBe(window.head() + 1);
    expect(writer.mustPoll(sender)).toBe(true);
    // Both threads verify everything sent between the failed fit and the caller's question: no drain or timer is coming.
    for (let t = 0; t < THREADS; t++) window.retain(t, sender.neededSeq);
    expect(writer.mustPoll(sender)).toBe(true);
    expect(writer.fits(batch, sender)).toBe(true);
  });

  test("while the sender still needs the oldest event kept, its drain brings the next look, not polling; once it moves on, polling does", () => {
    const out = new FakeWriter();
    const { window, writer, sender, generator, batch } = filled(out);
    for (let t = 0; t < THREADS; t++) window.retain(t, sender.neededSeq);
    // The window refills with batches the socket takes none of, until the sender holds it.
    out.capacity = 0;
    let pending = batch;
    let added = 0;
    while (writer.fits(pending, sender)) {
      const start = writer.append(pending);
      sender.add(pending.first, pending.last, start, start + pending.byteLength);
      expect(sender.pump(out, 2)).toBe(true);
      added++;
      pending = generator.next() as Batch;
    }
    expect(added).toBeGreaterThan(0);
    expect(writer.mustPoll(sender)).toBe(false);
    out.capacity = Number.POSITIVE_INFINITY;
    expect(sender.pump(out, 3)).toBe(true);
    expect(writer.mustPoll(sender)).toBe(true);
  });
});
