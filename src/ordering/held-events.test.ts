import { describe, expect, test } from "bun:test";
import { BROADCAST, FOLLOW, NOOP, PRIVATE, STATUS } from "../protocol/event-kind.ts";
import { Prng } from "../simulate/prng.ts";
import { HeldEvents } from "./held-events.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The held line's bytes, read back through the public accessors. */
function text(held: HeldEvents, slot: number): string {
  const start = held.start(slot);
  return decoder.decode(held.bytes(slot).subarray(start, start + held.length(slot)));
}

/** A read buffer of `size` bytes with `line` written at `at`. */
function readWith(line: string, at: number, size: number): Uint8Array {
  const buf = new Uint8Array(size).fill(0x2e); // '.'
  buf.set(encoder.encode(line), at);
  return buf;
}

describe("HeldEvents: hold and release", () => {
  test("round-trips the bytes, fields and arrival stamp of each held line", () => {
    const held = new HeldEvents();
    const read = encoder.encode("7|F|1|2\r\n9|P|3|4\r\n8|S|5\r\n");
    const a = held.hold(read, 0, 7, FOLLOW, 1, 2, 1234.5);
    const b = held.hold(read, 9, 7, PRIVATE, 3, 4, 1234.5);
    const c = held.hold(read, 18, 5, STATUS, 5, 0, 99_999.25);
    expect(new Set([a, b, c]).size).toBe(3);
    expect([text(held, a), held.kind(a), held.from(a), held.to(a), held.arrived(a)]).toEqual(["7|F|1|2", FOLLOW, 1, 2, 1234.5]);
    expect([text(held, b), held.kind(b), held.from(b), held.to(b), held.arrived(b)]).toEqual(["9|P|3|4", PRIVATE, 3, 4, 1234.5]);
    expect([text(held, c), held.kind(c), held.from(c), held.arrived(c)]).toEqual(["8|S|5", STATUS, 5, 99_999.25]);
    // The line stays where it was read: no copy.
    expect(held.bytes(a)).toBe(read);
    expect(held.start(b)).toBe(9);
    held.release(b);
    expect(text(held, a)).toBe("7|F|1|2");
    expect(text(held, c)).toBe("8|S|5");
  });

  test("user ids up to 2^31-1 survive", () => {
    const held = new HeldEvents();
    const read = encoder.encode("1|F|2147483647|0");
    const slot = held.hold(read, 0, read.length, FOLLOW, 2147483647, 0, 0);
    expect([held.from(slot), held.to(slot)]).toEqual([2147483647, 0]);
  });

  test("zero-length holds pin nothing and read back as empty", () => {
    const held = new HeldEvents();
    const read = new Uint8Array(65536);
    const slot = held.hold(read, 100, 0, NOOP, 0, 0, 0);
    expect(held.pinnedBytes).toBe(0);
    expect(held.heldBytes).toBe(0);
    expect(held.length(slot)).toBe(0);
    expect(held.bytes(slot).length).toBe(0);
    expect(held.kind(slot)).toBe(NOOP);
    held.release(slot);
    expect(held.pinnedBytes).toBe(0);
    expect(held.heldBytes).toBe(0);
  });

  test("released slots are reused rather than growing the table", () => {
    const held = new HeldEvents(4);
    const read = encoder.encode("1|B");
    const first = held.hold(read, 0, 3, BROADCAST, 0, 0, 0);
    held.release(first);
    expect(held.hold(read, 0, 3, BROADCAST, 0, 0, 0)).toBe(first);
    const prng = new Prng(3);
    const live: number[] = [first];
    for (let i = 0; i < 10_000; i++) {
      if (live.length === 4 || (live.length > 0 && prng.chance(0.5))) {
        held.release(live.splice(prng.int(live.length), 1)[0]);
      } else {
        const slot = held.hold(read, 0, 3, BROADCAST, 0, 0, 0);
        expect(live).not.toContain(slot);
        live.push(slot);
      }
      // Never more than 4 live at once, so slots never leave 0..3.
      for (const slot of live) expect(slot).toBeLessThan(4);
    }
  });

  test("grows beyond its initial slots and keeps every line intact", () => {
    const held = new HeldEvents(1);
    const slots: number[] = [];
    for (let i = 0; i < 3000; i++) {
      const line = encoder.encode(`${i}|P|${i}|${i + 1}`);
      slots.push(held.hold(line, 0, line.length, PRIVATE, i, i + 1, i / 4));
    }
    expect(new Set(slots).size).toBe(3000);
    slots.forEach((slot, i) => {
      expect([text(held, slot), held.from(slot), held.to(slot), held.arrived(slot)]).toEqual([`${i}|P|${i}|${i + 1}`, i, i + 1, i / 4]);
    });
  });
});

describe("HeldEvents: byte accounting", () => {
  test("lines from one read pin it once; it is let go with its last line", () => {
    const held = new HeldEvents();
    const read = new Uint8Array(1000).fill(0x31);
    const a = held.hold(read, 0, 10, BROADCAST, 0, 0, 0);
    const b = held.hold(read, 20, 30, BROADCAST, 0, 0, 0);
    expect([held.pinnedBytes, held.heldBytes]).toEqual([1000, 40]);
    held.release(a);
    expect([held.pinnedBytes, held.heldBytes]).toEqual([1000, 30]);
    held.release(b);
    expect([held.pinnedBytes, held.heldBytes]).toEqual([0, 0]);
  });

  test("distinct reads are pinned separately", () => {
    const held = new HeldEvents();
    const reads = [100, 200, 300].map((n) => new Uint8Array(n));
    const slots = reads.map((read) => held.hold(read, 1, 5, BROADCAST, 0, 0, 0));
    expect([held.pinnedBytes, held.heldBytes]).toEqual([600, 15]);
    held.release(slots[1]);
    expect([held.pinnedBytes, held.heldBytes]).toEqual([400, 10]);
    held.release(slots[0]);
    expect([held.pinnedBytes, held.heldBytes]).toEqual([300, 5]);
    // A new read after the others were let go reuses their bookkeeping.
    const fresh = new Uint8Array(50);
    const slot = held.hold(fresh, 0, 2, BROADCAST, 0, 0, 0);
    expect(held.bytes(slot)).toBe(fresh);
    expect(held.bytes(slots[2])).toBe(reads[2]);
    expect([held.pinnedBytes, held.heldBytes]).toEqual([350, 7]);
  });

  test("randomized: accounting matches a reference after every operation", () => {
    const prng = new Prng(99);
    const held = new HeldEvents(2);
    const live = new Map<number, { read: Uint8Array; start: number; length: number; from: number }>();
    let read = new Uint8Array(256);
    for (let op = 0; op < 6000; op++) {
      if (prng.chance(0.1)) read = new Uint8Array(prng.range(64, 512)).map(() => prng.int(256));
      if (live.size > 0 && prng.chance(0.48)) {
        const slots = [...live.keys()];
        const slot = slots[prng.int(slots.length)];
        held.release(slot);
        live.delete(slot);
      } else {
        const start = prng.int(read.length);
        const length = prng.chance(0.1) ? 0 : prng.int(read.length - start);
        const from = prng.int(2 ** 31);
        const slot = held.hold(read, start, length, STATUS, from, 0, 0);
        expect(live.has(slot)).toBe(false);
        live.set(slot, { read, start, length, from });
      }
      let heldBytes = 0;
      const pinned = new Set<Uint8Array>();
      for (const entry of live.values()) {
        heldBytes += entry.length;
        if (entry.length > 0) pinned.add(entry.read);
      }
      expect(held.heldBytes).toBe(heldBytes);
      // Each read's lines arrive together here, so each pinned read counts once.
      expect(held.pinnedBytes).toBe([...pinned].reduce((sum, r) => sum + r.length, 0));
    }
    for (const [slot, entry] of live) {
      expect(held.length(slot)).toBe(entry.length);
      expect(held.from(slot)).toBe(entry.from);
      const start = held.start(slot);
      expect(held.bytes(slot).subarray(start, start + entry.length)).toEqual(entry.read.subarray(entry.start, entry.start + entry.length));
    }
  });
});

describe("HeldEvents: compaction", () => {
  const READ = 64 * 1024;

  /** Holds one short line in each of `reads` fresh 64 KiB reads, plus a zero-length no-op. */
  function scatter(held: HeldEvents, reads: number) {
    const buffers: Uint8Array[] = [];
    const slots: number[] = [];
    const lines: string[] = [];
    for (let i = 0; i < reads; i++) {
      const line = `${1000 + i}|P|${i}|${i + 7}`;
      const buf = readWith(line, (i * 997) % (READ - 64), READ);
      buffers.push(buf);
      lines.push(line);
      slots.push(held.hold(buf, (i * 997) % (READ - 64), line.length, PRIVATE, i, i + 7, 500 + i));
    }
    const noop = held.hold(buffers[0], 5, 0, NOOP, 0, 0, 0);
    return { buffers, slots, lines, noop };
  }

  test("does nothing while pinned reads are not mostly dead weight", () => {
    const held = new HeldEvents();
    const { slots, buffers } = scatter(held, 8); // 512 KiB pinned: under the slack
    expect(held.compactIfWasteful()).toBe(false);
    expect(held.pinnedBytes).toBe(8 * READ);
    expect(held.bytes(slots[3])).toBe(buffers[3]);
  });

  test("copies held lines into one buffer, keeping their bytes and fields, and lets the reads go", () => {
    const held = new HeldEvents();
    const { slots, lines, buffers, noop } = scatter(held, 40); // 2.5 MiB pinned for ~600 held bytes
    const heldBytes = held.heldBytes;
    expect(heldBytes).toBe(lines.reduce((sum, line) => sum + line.length, 0));
    expect(held.pinnedBytes).toBe(40 * READ);

    expect(held.compactIfWasteful()).toBe(true);

    expect(held.heldBytes).toBe(heldBytes);
    expect(held.pinnedBytes).toBe(heldBytes);
    const arena = held.bytes(slots[0]);
    expect(arena.length).toBe(heldBytes);
    for (const buf of buffers) expect(arena).not.toBe(buf);
    // Scribble over the old reads: the held lines no longer depend on them.
    for (const buf of buffers) buf.fill(0x58);
    slots.forEach((slot, i) => {
      expect(held.bytes(slot)).toBe(arena);
      expect(text(held, slot)).toBe(lines[i]);
      expect([held.kind(slot), held.from(slot), held.to(slot), held.arrived(slot)]).toEqual([PRIVATE, i, i + 7, 500 + i]);
    });
    expect(held.length(noop)).toBe(0);
    expect(held.bytes(noop).length).toBe(0);
    expect(held.kind(noop)).toBe(NOOP);

    // Nothing left to gain: a second call is a no-op.
    expect(held.compactIfWasteful()).toBe(false);

    // Releasing lets the arena go with its last line.
    for (const slot of slots.slice(0, -1)) held.release(slot);
    expect(held.pinnedBytes).toBe(heldBytes);
    expect(text(held, slots.at(-1) as number)).toBe(lines.at(-1) as string);
    held.release(slots.at(-1) as number);
    held.release(noop);
    expect([held.pinnedBytes, held.heldBytes]).toEqual([0, 0]);
  });

  test("keeps working after compaction: new holds pin new reads, and a later compaction keeps everything", () => {
    const held = new HeldEvents(8);
    const first = scatter(held, 40);
    expect(held.compactIfWasteful()).toBe(true);
    for (const slot of first.slots.filter((_, i) => i % 2 === 0)) held.release(slot);
    const second = scatter(held, 40);
    const survivors = first.slots.filter((_, i) => i % 2 === 1);
    const survivorLines = first.lines.filter((_, i) => i % 2 === 1);
    // The first arena stays whole while any line in it is held.
    const firstArena = first.lines.reduce((sum, line) => sum + line.length, 0);
    expect(held.pinnedBytes).toBe(firstArena + 40 * READ);
    expect(held.compactIfWasteful()).toBe(true);
    expect(held.pinnedBytes).toBe(held.heldBytes);
    for (const [i, slot] of survivors.entries()) expect(text(held, slot)).toBe(survivorLines[i]);
    for (const [i, slot] of second.slots.entries()) expect(text(held, slot)).toBe(second.lines[i]);
    for (const slot of [...survivors, ...second.slots, first.noop, second.noop]) held.release(slot);
    expect([held.pinnedBytes, held.heldBytes]).toEqual([0, 0]);
  });
});
