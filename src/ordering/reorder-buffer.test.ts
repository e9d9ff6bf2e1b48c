import { describe, expect, test } from "bun:test";
import { BROADCAST, FOLLOW, NOOP } from "../protocol/event-kind.ts";
import { ReorderBuffer } from "./reorder-buffer.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Holds `line` (its own read buffer) under `seq`. */
function hold(buffer: ReorderBuffer, seq: number, line: string, kind = BROADCAST, from = 0, to = 0): void {
  const buf = encoder.encode(line);
  buffer.hold(seq, buf, 0, buf.length, kind, from, to, 0);
}

/** Pops the smallest held event and returns [seq, line], releasing its slot. */
function take(buffer: ReorderBuffer): [number, string] {
  const seq = buffer.peekSeq();
  const slot = buffer.pop();
  const events = buffer.events;
  const start = events.start(slot);
  const line = decoder.decode(events.bytes(slot).subarray(start, start + events.length(slot)));
  buffer.release(slot);
  return [seq, line];
}

describe("ReorderBuffer", () => {
  test("starts at the configured sequence number, empty", () => {
    const buffer = new ReorderBuffer(42, 10);
    expect(buffer.next).toBe(42);
    expect(buffer.size).toBe(0);
    expect(buffer.full).toBe(false);
    expect(buffer.peekSeq()).toBe(Infinity);
    expect(buffer.capacity).toBe(10);
  });

  test("hands held events back smallest first, with their lines and fields", () => {
    const buffer = new ReorderBuffer(1, 10);
    hold(buffer, 5, "5|B");
    hold(buffer, 3, "3|F|1|2", FOLLOW, 1, 2);
    hold(buffer, 4, "4|X", NOOP);
    expect(buffer.size).toBe(3);
    expect(buffer.peekSeq()).toBe(3);
    const slot = buffer.pop();
    expect([buffer.events.kind(slot), buffer.events.from(slot), buffer.events.to(slot)]).toEqual([FOLLOW, 1, 2]);
    buffer.release(slot);
    expect([take(buffer), take(buffer)]).toEqual([
      [4, "4|X"],
      [5, "5|B"],
    ]);
    expect(buffer.size).toBe(0);
    expect(buffer.events.heldBytes).toBe(0);
    expect(buffer.events.pinnedBytes).toBe(0);
  });

  test("is full at capacity and not before", () => {
    const buffer = new ReorderBuffer(1, 3);
    hold(buffer, 10, "10|B");
    hold(buffer, 11, "11|B");
    expect(buffer.full).toBe(false);
    hold(buffer, 12, "12|B");
    expect(buffer.full).toBe(true);
    // Capacity is advice to stop reading, not a hard limit.
    hold(buffer, 13, "13|B");
    expect(buffer.full).toBe(true);
    expect(buffer.size).toBe(4);
    take(buffer);
    expect(buffer.full).toBe(true);
    take(buffer);
    expect(buffer.full).toBe(false);
  });

  test("same sequence number held twice comes back in arrival order", () => {
    const buffer = new ReorderBuffer(1, 10);
    hold(buffer, 7, "7|P|1|2");
    hold(buffer, 7, "7|B");
    expect([take(buffer), take(buffer)]).toEqual([
      [7, "7|P|1|2"],
      [7, "7|B"],
    ]);
  });

  describe("skipGap", () => {
    test("returns 0 and changes nothing when nothing is held", () => {
      const buffer = new ReorderBuffer(5, 10);
      expect(buffer.skipGap()).toBe(0);
      expect(buffer.next).toBe(5);
    });

    test("moves next to the smallest held number and returns how many were skipped", () => {
      const buffer = new ReorderBuffer(5, 10);
      hold(buffer, 12, "12|B");
      hold(buffer, 9, "9|B");
      expect(buffer.skipGap()).toBe(4);
      expect(buffer.next).toBe(9);
      // The held events are untouched; the caller applies them.
      expect(buffer.size).toBe(2);
      expect(buffer.peekSeq()).toBe(9);
      // No gap left before the first held event.
      expect(buffer.skipGap()).toBe(0);
      expect(buffer.next).toBe(9);
    });

    test("does nothing when the smallest held number is not ahead of next", () => {
      const buffer = new ReorderBuffer(1, 10);
      hold(buffer, 3, "3|B");
      buffer.advance(3); // 3 was applied directly: this copy is a duplicate
      expect(buffer.skipGap()).toBe(0);
      expect(buffer.next).toBe(4);
    });

    test("works up to the largest sequence number", () => {
      const buffer = new ReorderBuffer(1, 10);
      hold(buffer, Number.MAX_SAFE_INTEGER, "9007199254740991|B");
      expect(buffer.skipGap()).toBe(Number.MAX_SAFE_INTEGER - 1);
      expect(buffer.next).toBe(Number.MAX_SAFE_INTEGER);
    });
  });

  test("settle compacts held lines that pin large reads, keeping them readable", () => {
    const buffer = new ReorderBuffer(1, 1000);
    const lines: string[] = [];
    for (let i = 0; i < 40; i++) {
      const line = `${100 + i}|B`;
      const read = new Uint8Array(64 * 1024);
      read.set(encoder.encode(line), 10);
      buffer.hold(100 + i, read, 10, line.length, BROADCAST, 0, 0, 0);
      lines.push(line);
    }
    expect(buffer.events.pinnedBytes).toBe(40 * 64 * 1024);
    buffer.settle();
    expect(buffer.events.pinnedBytes).toBe(buffer.events.heldBytes);
    const out: [number, string][] = [];
    while (buffer.size > 0) out.push(take(buffer));
    expect(out).toEqual(lines.map((line, i): [number, string] => [100 + i, line]));
  });
});
