import { describe, expect, test } from "bun:test";
import { FakeWriter } from "../../test/support/fake-writer.ts";
import { Outbox } from "./outbox.ts";

const encoder = new TextEncoder();

function outbox(limit = 1 << 20, writer = new FakeWriter()) {
  const group = { dirty: [] as Outbox[], sentBytes: 0, queuedBytes: 0 };
  const dirty = group.dirty;
  const box = new Outbox(3, writer, limit, group);
  const append = (line: string) => {
    // Surround the line with other bytes: only [start, start+length) may be copied.
    const buf = encoder.encode(`##${line}##`);
    box.append(buf, 2, buf.length - 4);
  };
  return { box, writer, dirty, group, append };
}

describe("Outbox", () => {
  test("starts empty, clean and not listed", () => {
    const { box, dirty, writer } = outbox();
    expect(box.user).toBe(3);
    expect(box.writer).toBe(writer);
    expect(box.queuedBytes).toBe(0);
    expect(box.dirty).toBe(false);
    expect(box.overflowed).toBe(false);
    expect(box.allPosition).toBe(-1);
    expect(box.userPosition).toBe(-1);
    expect(dirty).toEqual([]);
    // Nothing queued: flushing writes nothing.
    expect(box.flush()).toBe(true);
    expect(writer.writes).toBe(0);
  });

  test("appends each line followed by CRLF and writes them all in one call", () => {
    const { box, writer, append } = outbox();
    append("1|B");
    append("");
    append("42|P|7|3");
    expect(box.queuedBytes).toBe(5 + 2 + 10);
    expect(writer.writes).toBe(0);
    expect(box.flush()).toBe(true);
    expect(writer.writes).toBe(1);
    expect(writer.text()).toBe("1|B\r\n\r\n42|P|7|3\r\n");
    expect(box.queuedBytes).toBe(0);
    expect(box.flush()).toBe(true);
    expect(writer.writes).toBe(1);
    append("43|B");
    box.flush();
    expect(writer.writes).toBe(2);
    expect(writer.lines()).toEqual(["1|B", "", "42|P|7|3", "43|B"]);
  });

  test.each([1, 63, 64, 65, 200, 5000, 100_000])("copies a %p-byte line exactly", (length) => {
    const { box, writer } = outbox();
    const line = Uint8Array.from({ length }, (_, i) => (i * 7 + 1) % 256);
    const buf = new Uint8Array(length + 20).fill(0xee);
    buf.set(line, 10);
    box.append(buf, 10, length);
    box.append(buf, 10, length);
    box.flush();
    const expected = new Uint8Array(2 * (length + 2));
    expected.set(line, 0);
    expected.set([13, 10], length);
    expected.set(line, length + 2);
    expected.set([13, 10], 2 * length + 2);
    expect(writer.bytes()).toEqual(expected);
  });

  test("many lines grow the buffer without losing or reordering any", () => {
    const { box, writer, append } = outbox();
    const lines = Array.from({ length: 3000 }, (_, i) => `${i + 1}|S|${"x".repeat(i % 90)}`);
    for (const line of lines) append(line);
    box.flush();
    expect(writer.writes).toBe(1);
    expect(writer.lines()).toEqual(lines);
  });

  test("after a flush of a large buffer, later lines still arrive intact", () => {
    const { box, writer, append } = outbox();
    const big = "b".repeat(100_000);
    append(big);
    box.flush();
    append("1|B");
    append(big);
    box.flush();
    expect(writer.writes).toBe(2);
    expect(writer.lines()).toEqual([big, "1|B", big]);
  });

  test("a partial write keeps the unsent tail and resends it on drained(); only bytes taken count as sent", () => {
    const { box, writer, group, append } = outbox();
    writer.limits = [4];
    append("1|F|2|3");
    append("2|B");
    expect(box.flush()).toBe(true);
    expect(writer.text()).toBe("1|F|");
    expect(group.sentBytes).toBe(4);
    expect(box.queuedBytes).toBe(14 - 4);
    // While blocked, flushes do not write, but appends still queue.
    append("3|B");
    expect(box.flush()).toBe(true);
    expect(writer.writes).toBe(1);
    writer.limits = [3];
    expect(box.drained()).toBe(true);
    expect(writer.writes).toBe(2);
    expect(writer.calls[1]).toEqual(encoder.encode("2|3\r\n2|B\r\n3|B\r\n"));
    expect(writer.text()).toBe("1|F|2|3");
    expect(group.sentBytes).toBe(7);
    expect(box.drained()).toBe(true);
    expect(writer.text()).toBe("1|F|2|3\r\n2|B\r\n3|B\r\n");
    expect(group.sentBytes).toBe(19);
    expect(box.queuedBytes).toBe(0);
    expect(box.drained()).toBe(true);
    expect(writer.writes).toBe(3);
  });

  test("a write that takes nothing still waits for drain", () => {
    const { box, writer, append } = outbox();
    writer.limits = [0];
    append("1|B");
    expect(box.flush()).toBe(true);
    expect(box.queuedBytes).toBe(5);
    box.flush();
    expect(writer.writes).toBe(1);
    expect(box.drained()).toBe(true);
    expect(writer.lines()).toEqual(["1|B"]);
  });

  test("byte-at-a-time writes deliver the whole stream in order", () => {
    const { box, writer, append } = outbox();
    writer.capacity = 1;
    const lines = Array.from({ length: 50 }, (_, i) => `${i}|P|${i}|${i * 2}`);
    for (const line of lines.slice(0, 25)) append(line);
    box.flush();
    for (const line of lines.slice(25)) append(line);
    while (box.queuedBytes > 0) expect(box.drained()).toBe(true);
    expect(writer.lines()).toEqual(lines);
  });

  test("a write returning -1 makes flush() and drained() report the socket closed", () => {
    const { box, writer, group, append } = outbox();
    writer.closed = true;
    append("1|B");
    expect(box.flush()).toBe(false);
    expect(box.drained()).toBe(false);
    expect(writer.text()).toBe("");
    expect(group.sentBytes).toBe(0);
  });

  test("is listed as dirty once per flush cycle, however many lines are appended", () => {
    const { box, dirty, append } = outbox();
    append("1|B");
    append("2|B");
    append("3|B");
    expect(dirty).toEqual([box]);
    expect(box.dirty).toBe(true);
    box.flush();
    expect(box.dirty).toBe(false);
    // The list itself belongs to the directory, which empties it.
    dirty.length = 0;
    append("4|B");
    append("5|B");
    expect(dirty).toEqual([box]);
  });

  describe("limit", () => {
    test("queuing exactly up to the limit is allowed", () => {
      const { box, writer, append } = outbox(10);
      append("1|B"); // 5 bytes
      append("2|B"); // 10 bytes
      expect(box.overflowed).toBe(false);
      expect(box.queuedBytes).toBe(10);
      box.flush();
      expect(writer.lines()).toEqual(["1|B", "2|B"]);
    });

    test("passing the limit marks the outbox overflowed and drops everything after", () => {
      const { box, writer, dirty, append } = outbox(10);
      append("1|B");
      append("2|B");
      // A directory flush the socket took nothing from.
      writer.capacity = 0;
      box.flush();
      dirty.length = 0;
      writer.capacity = Infinity;
      append("3|B");
      expect(box.overflowed).toBe(true);
      expect(box.queuedBytes).toBe(0);
      // Listed so the next flush sees the overflow.
      expect(dirty).toEqual([box]);
      append("4|B");
      expect(dirty).toEqual([box]);
      expect(box.queuedBytes).toBe(0);
      box.flush();
      expect(writer.text()).toBe("");
    });

    test("only unsent bytes count: a drained client can keep receiving", () => {
      const { box, writer, append } = outbox(12);
      for (let i = 0; i < 100; i++) {
        append(`${i % 10}|B`);
        append(`${i % 10}|S`);
        box.flush();
      }
      expect(box.overflowed).toBe(false);
      expect(writer.lines()).toHaveLength(200);
    });

    test("a blocked client's pending tail counts towards the limit", () => {
      const { box, writer, append } = outbox(16);
      writer.limits = [2];
      append("1|B");
      append("2|B");
      box.flush(); // 8 bytes still queued
      append("3|B"); // 13
      expect(box.overflowed).toBe(false);
      append("4|B"); // 18 > 16
      expect(box.overflowed).toBe(true);
    });

    test("a single line longer than the limit overflows at once", () => {
      const { box, append } = outbox(8);
      append("1234567"); // 9 bytes with CRLF
      expect(box.overflowed).toBe(true);
      expect(box.queuedBytes).toBe(0);
    });

    test("a limit smaller than the default buffer still fills up to it exactly", () => {
      const { box, writer, append } = outbox(100);
      for (let i = 0; i < 20; i++) append("abc"); // 100 bytes
      expect(box.overflowed).toBe(false);
      expect(box.queuedBytes).toBe(100);
      writer.limits = [50];
      box.flush();
      for (let i = 0; i < 10; i++) append("xyz"); // compacts the unsent tail to make room
      expect(box.overflowed).toBe(false);
      box.drained();
      expect(writer.lines()).toEqual([...Array(20).fill("abc"), ...Array(10).fill("xyz")]);
    });
  });

  describe("the group's queued-bytes total", () => {
    test("is exact after every flush and drops to zero when the outbox leaves", () => {
      const { box, writer, group, append } = outbox();
      append("1|B");
      append("2|B");
      writer.limits = [3];
      box.flush();
      expect(group.queuedBytes).toBe(7);
      expect(box.countedBytes).toBe(7);
      box.drained();
      expect(group.queuedBytes).toBe(0);
      writer.capacity = 0;
      append("3|B");
      box.flush();
      expect(group.queuedBytes).toBe(5);
      box.withdraw();
      expect(group.queuedBytes).toBe(0);
      append("4|B");
      expect(box.flush()).toBe(false);
      expect(group.queuedBytes).toBe(0);
    });

    test("an overflow takes the outbox's bytes out of the total", () => {
      const { box, writer, group, append } = outbox(10);
      writer.capacity = 0;
      append("1|B");
      box.flush();
      expect(group.queuedBytes).toBe(5);
      append("2|B");
      append("3|B");
      expect(box.overflowed).toBe(true);
      expect(group.queuedBytes).toBe(0);
    });
  });

  test("appendView queues a whole view, as append does a range", () => {
    const { box, writer } = outbox();
    const line = encoder.encode(`1|P|2|${"0".repeat(80)}3`);
    box.appendView(line);
    box.append(line, 0, 3);
    box.flush();
    expect(writer.lines()).toEqual([new TextDecoder().decode(line), "1|P"]);
  });
});
