import { describe, expect, test } from "bun:test";
import { Bytes } from "../collections/typed-arrays.ts";
import { ReadBatch } from "./read-batch.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** `line` inside a larger read: only [start, start + length) may be taken. */
function read(line: string): [Uint8Array, number, number] {
  return [encoder.encode(`##${line}##`), 2, encoder.encode(line).length];
}

/** A connection's chain, kept as an outbox keeps it. */
class Chain {
  first = -1;
  last = -1;
  queue(batch: ReadBatch, line: number, bytes: number): void {
    this.last = batch.entry(line, bytes, this.last);
    if (this.first < 0) this.first = this.last;
  }
}

function gathered(batch: ReadBatch, first: number): string {
  const into = new Uint8Array(1 << 16).fill(0x23);
  const end = batch.gather(first, new Bytes(into), 3);
  expect([...into.subarray(0, 3)]).toEqual([0x23, 0x23, 0x23]);
  return decoder.decode(into.subarray(3, end));
}

describe("ReadBatch", () => {
  test("broadcasts accumulate in order, each with its CRLF, and are counted", () => {
    const batch = new ReadBatch();
    batch.broadcast(...read("1|B"));
    batch.broadcast(...read(""));
    batch.broadcast(...read("3|B"));
    expect(batch.broadcasts).toBe(3);
    expect(decoder.decode(batch.broadcastBytes.array.subarray(0, batch.broadcastLength))).toBe("1|B\r\n\r\n3|B\r\n");
  });

  test("a chain gathers its own lines with the broadcasts around them in sequence order", () => {
    const batch = new ReadBatch();
    const a = new Chain();
    const b = new Chain();
    const follow = batch.line(...read("1|F|2|1"));
    a.queue(batch, follow, 9);
    batch.broadcast(...read("2|B"));
    const status = batch.line(...read("3|S|9"));
    a.queue(batch, status, 7);
    b.queue(batch, status, 7);
    b.queue(batch, batch.line(...read("4|P|1|2")), 9);
    batch.broadcast(...read("5|B"));
    batch.broadcast(...read("6|B"));
    expect(gathered(batch, a.first)).toBe("1|F|2|1\r\n2|B\r\n3|S|9\r\n5|B\r\n6|B\r\n");
    expect(gathered(batch, b.first)).toBe("2|B\r\n3|S|9\r\n4|P|1|2\r\n5|B\r\n6|B\r\n");
    // A connection without lines of its own gets the broadcasts alone.
    expect(gathered(batch, -1)).toBe("2|B\r\n5|B\r\n6|B\r\n");
  });

  test.each([1, 63, 64, 65, 5000])("copies %p-byte lines exactly, stored or broadcast", (length) => {
    const batch = new ReadBatch();
    const line = Array.from({ length }, (_, i) => String.fromCharCode(97 + (i % 26))).join("");
    const chain = new Chain();
    chain.queue(batch, batch.line(...read(line)), length + 2);
    batch.broadcast(...read(line));
    expect(gathered(batch, chain.first)).toBe(`${line}\r\n${line}\r\n`);
  });

  test("grows past its initial arenas and entries without losing anything, and reset starts the next cycle empty", () => {
    const batch = new ReadBatch();
    const chains = Array.from({ length: 10 }, () => new Chain());
    const expected = chains.map(() => [] as string[]);
    for (let seq = 1; seq <= 5000; seq++) {
      const text = `${seq}|P|${"x".repeat(seq % 40)}`;
      if (seq % 7 === 0) {
        batch.broadcast(...read(text));
        for (const lines of expected) lines.push(text);
        continue;
      }
      const at = batch.line(...read(text));
      for (let c = seq % 3; c < chains.length; c += 3) {
        chains[c].queue(batch, at, text.length + 2);
        expected[c].push(text);
      }
    }
    for (const [c, chain] of chains.entries()) expect(gathered(batch, chain.first)).toBe(expected[c].map((l) => `${l}\r\n`).join(""));
    batch.reset();
    expect([batch.broadcasts, batch.broadcastLength]).toEqual([0, 0]);
    const fresh = new Chain();
    fresh.queue(batch, batch.line(...read("1|P|1|2")), 9);
    expect(gathered(batch, fresh.first)).toBe("1|P|1|2\r\n");
  });

  test("a burst larger than what the arenas keep is let go at reset", () => {
    const batch = new ReadBatch();
    const big = "b".repeat(4 << 20);
    batch.broadcast(...read(big));
    expect(batch.broadcastBytes.length).toBeGreaterThan(4 << 20);
    expect(batch.scratch(4 << 20).length).toBeGreaterThanOrEqual(4 << 20);
    batch.reset();
    expect(batch.broadcastBytes.length).toBeLessThan(1 << 20);
    expect(batch.scratch(1).length).toBeLessThan(1 << 20);
  });

  test("scratch is one buffer, grown when a gather needs more", () => {
    const batch = new ReadBatch();
    const small = batch.scratch(10);
    expect(batch.scratch(small.length)).toBe(small);
    const large = batch.scratch(small.length + 1);
    expect(large.length).toBeGreaterThan(small.length);
    expect(batch.scratch(5)).toBe(large);
  });
});
