import { describe, expect, test } from "bun:test";
import { FakeWriter } from "../../test/support/fake-writer.ts";
import { Outbox } from "./outbox.ts";
import { ReadBatch } from "./read-batch.ts";

const encoder = new TextEncoder();

function outbox(limit = 1 << 20, writer = new FakeWriter()) {
  const group = { dirty: [] as Outbox[], sentBytes: 0, queuedBytes: 0, maxQueuedBytes: limit };
  const dirty = group.dirty;
  const batch = new ReadBatch();
  const box = new Outbox(3, writer, group);
  // Surround each line with other bytes: only [start, start+length) may be taken.
  const surrounded = (line: string): [Uint8Array, number, number] => {
    const buf = encoder.encode(`##${line}##`);
    return [buf, 2, buf.length - 4];
  };
  const queue = (line: string) => {
    const [buf, start, length] = surrounded(line);
    box.queue(batch, batch.line(buf, start, length), length + 2);
  };
  const broadcast = (line: string) => batch.broadcast(...surrounded(line));
  /** The end of a read cycle, as the directory runs it. */
  const flush = () => {
    const ok = box.flush(batch);
    dirty.length = 0;
    batch.reset();
    return ok;
  };
  return { box, writer, dirty, group, batch, queue, broadcast, flush };
}

describe("Outbox", () => {
  test("starts empty, clean and not listed", () => {
    const { box, dirty, writer, flush } = outbox();
    expect(box.user).toBe(3);
    expect(box.writer).toBe(writer);
    expect(box.queuedBytes).toBe(0);
    expect(box.dirty).toBe(false);
    expect(box.overflowed).toBe(false);
    expect(box.allPosition).toBe(-1);
    expect([box.previousOfUser, box.nextOfUser]).toEqual([null, null]);
    expect(dirty).toEqual([]);
    // Nothing queued: flushing writes nothing.
    expect(flush()).toBe(true);
    expect(writer.writes).toBe(0);
  });

  test("writes a cycle's lines in one call, each followed by CRLF", () => {
    const { box, writer, queue, flush } = outbox();
    queue("1|F|2|3");
    queue("");
    queue("42|P|7|3");
    expect(writer.writes).toBe(0);
    expect(flush()).toBe(true);
    expect(writer.writes).toBe(1);
    expect(writer.text()).toBe("1|F|2|3\r\n\r\n42|P|7|3\r\n");
    expect(box.queuedBytes).toBe(0);
    expect(flush()).toBe(true);
    expect(writer.writes).toBe(1);
    queue("43|S|9");
    flush();
    expect(writer.writes).toBe(2);
    expect(writer.lines()).toEqual(["1|F|2|3", "", "42|P|7|3", "43|S|9"]);
  });

  test("broadcasts and its own lines arrive in sequence order, in one write", () => {
    const { writer, queue, broadcast, flush } = outbox();
    broadcast("1|B");
    queue("2|P|1|3");
    broadcast("3|B");
    broadcast("4|B");
    queue("5|F|1|3");
    broadcast("6|B");
    flush();
    expect(writer.writes).toBe(1);
    expect(writer.lines()).toEqual(["1|B", "2|P|1|3", "3|B", "4|B", "5|F|1|3", "6|B"]);
  });

  test("a connection receiving only broadcasts is written straight from the batch's shared bytes", () => {
    const buffers: Uint8Array[] = [];
    const writer = new FakeWriter();
    const write = writer.write.bind(writer);
    writer.write = (data, offset, length) => {
      buffers.push(data);
      return write(data, offset, length);
    };
    const { batch, broadcast, flush } = outbox(1 << 20, writer);
    broadcast("1|B");
    broadcast("2|B");
    const shared = batch.broadcastBytes.array;
    flush();
    expect(buffers).toEqual([shared]);
    expect(buffers[0]).toBe(shared);
    expect(writer.lines()).toEqual(["1|B", "2|B"]);
  });

  test("after a cycle with a large line, later lines still arrive intact", () => {
    const { writer, queue, broadcast, flush } = outbox();
    const big = "b".repeat(100_000);
    queue(big);
    flush();
    broadcast("1|B");
    queue(big);
    flush();
    expect(writer.writes).toBe(2);
    expect(writer.lines()).toEqual([big, "1|B", big]);
  });

  test("a partial write keeps the unsent rest and resends it on drained(); only bytes taken count as sent", () => {
    const { box, writer, group, queue, broadcast, flush } = outbox();
    writer.limits = [4];
    queue("1|F|2|3");
    broadcast("2|B");
    expect(flush()).toBe(true);
    expect(writer.text()).toBe("1|F|");
    expect(group.sentBytes).toBe(4);
    expect(box.queuedBytes).toBe(14 - 4);
    // While behind, flushes do not write, but queue behind the backlog.
    broadcast("3|B");
    expect(flush()).toBe(true);
    queue("4|P|9|3");
    expect(flush()).toBe(true);
    expect(writer.writes).toBe(1);
    expect(box.queuedBytes).toBe(10 + 5 + 9);
    writer.limits = [3];
    expect(box.drained()).toBe(true);
    expect(writer.writes).toBe(2);
    expect(writer.calls[1]).toEqual(encoder.encode("2|3\r\n2|B\r\n3|B\r\n4|P|9|3\r\n"));
    expect(writer.text()).toBe("1|F|2|3");
    expect(group.sentBytes).toBe(7);
    expect(box.drained()).toBe(true);
    expect(writer.text()).toBe("1|F|2|3\r\n2|B\r\n3|B\r\n4|P|9|3\r\n");
    expect(group.sentBytes).toBe(28);
    expect(box.queuedBytes).toBe(0);
    // Caught up: nothing to resend, and the next cycle is written at once.
    expect(box.drained()).toBe(true);
    expect(writer.writes).toBe(3);
    broadcast("5|B");
    flush();
    expect(writer.writes).toBe(4);
    expect(writer.lines().at(-1)).toBe("5|B");
  });

  test("a write that takes nothing still waits for drain", () => {
    const { box, writer, broadcast, flush } = outbox();
    writer.limits = [0];
    broadcast("1|B");
    expect(flush()).toBe(true);
    expect(box.queuedBytes).toBe(5);
    broadcast("2|B");
    flush();
    expect(writer.writes).toBe(1);
    expect(box.drained()).toBe(true);
    expect(writer.lines()).toEqual(["1|B", "2|B"]);
  });

  test("byte-at-a-time writes deliver the whole stream in order", () => {
    const { box, writer, queue, broadcast, flush } = outbox();
    writer.capacity = 1;
    const lines = Array.from({ length: 50 }, (_, i) => (i % 3 === 0 ? `${i}|B` : `${i}|P|${i}|${i * 2}`));
    const send = (line: string) => (line.endsWith("|B") ? broadcast(line) : queue(line));
    for (const line of lines.slice(0, 25)) send(line);
    flush();
    for (const line of lines.slice(25)) send(line);
    flush();
    while (box.queuedBytes > 0) expect(box.drained()).toBe(true);
    expect(writer.lines()).toEqual(lines);
  });

  test("a write returning -1 makes flush() and drained() report the socket closed", () => {
    const { box, writer, group, broadcast, flush } = outbox();
    writer.closed = true;
    broadcast("1|B");
    expect(flush()).toBe(false);
    expect(writer.text()).toBe("");
    expect(group.sentBytes).toBe(0);
    writer.closed = false;
    writer.capacity = 0;
    broadcast("2|B");
    flush();
    expect(box.queuedBytes).toBe(5);
    writer.closed = true;
    expect(box.drained()).toBe(false);
    expect(group.sentBytes).toBe(0);
  });

  test("is listed as dirty once per cycle by its own lines; broadcasts do not list it", () => {
    const { box, dirty, queue, broadcast, flush } = outbox();
    broadcast("1|B");
    expect(dirty).toEqual([]);
    queue("2|P|1|3");
    queue("3|P|1|3");
    expect(dirty).toEqual([box]);
    expect(box.dirty).toBe(true);
    flush();
    expect(box.dirty).toBe(false);
    queue("4|P|1|3");
    queue("5|P|1|3");
    expect(dirty).toEqual([box]);
  });

  test("counts its notifications: its own lines as queued, broadcasts as flushed", () => {
    const { box, queue, broadcast, flush } = outbox();
    queue("1|P|1|3");
    broadcast("2|B");
    broadcast("3|B");
    expect(box.notifications).toBe(1);
    flush();
    expect(box.notifications).toBe(3);
  });

  describe("limit", () => {
    test("a backlog of exactly the limit is allowed", () => {
      const { box, writer, broadcast, flush } = outbox(10);
      writer.capacity = 0;
      broadcast("1|B"); // 5 bytes
      broadcast("2|B"); // 10 bytes
      flush();
      expect(box.overflowed).toBe(false);
      expect(box.queuedBytes).toBe(10);
      writer.capacity = Infinity;
      box.drained();
      expect(writer.lines()).toEqual(["1|B", "2|B"]);
    });

    test("a backlog passing the limit marks the outbox overflowed and keeps nothing", () => {
      const { box, writer, group, broadcast, flush } = outbox(10);
      writer.capacity = 0;
      broadcast("1|B");
      broadcast("2|B");
      expect(flush()).toBe(true);
      broadcast("3|B");
      expect(flush()).toBe(false);
      expect(box.overflowed).toBe(true);
      expect([box.queuedBytes, group.queuedBytes]).toEqual([0, 0]);
      writer.capacity = Infinity;
      broadcast("4|B");
      expect(flush()).toBe(false);
      expect(box.drained()).toBe(false);
      expect(writer.text()).toBe("");
    });

    test("only what the socket does not take counts: one cycle larger than the limit goes out to a socket that takes it", () => {
      const { box, writer, broadcast, flush } = outbox(12);
      for (let i = 0; i < 100; i++) broadcast(`${i % 10}|B`);
      expect(flush()).toBe(true);
      expect(box.overflowed).toBe(false);
      expect(writer.lines()).toHaveLength(100);
    });

    test("what a partial write leaves counts against the limit", () => {
      const { box, writer, broadcast, flush } = outbox(16);
      writer.limits = [2];
      for (let i = 0; i < 4; i++) broadcast(`${i}|B`); // 20 bytes, 18 left over
      expect(flush()).toBe(false);
      expect(box.overflowed).toBe(true);
    });

    test("a backlog's bytes count towards the limit as cycles queue behind it", () => {
      const { box, writer, broadcast, flush } = outbox(16);
      writer.limits = [2];
      broadcast("1|B");
      broadcast("2|B");
      flush(); // 8 bytes left over
      broadcast("3|B"); // 13
      expect(flush()).toBe(true);
      broadcast("4|B"); // 18 > 16
      expect(flush()).toBe(false);
      expect(box.overflowed).toBe(true);
    });

    test("a limit smaller than the first backlog buffer still fills up to it exactly", () => {
      const { box, writer, broadcast, flush } = outbox(100);
      writer.capacity = 0;
      for (let i = 0; i < 20; i++) broadcast("abc"); // 100 bytes
      flush();
      expect(box.overflowed).toBe(false);
      expect(box.queuedBytes).toBe(100);
      writer.capacity = 50;
      box.drained();
      for (let i = 0; i < 10; i++) broadcast("xyz"); // compacts the unsent rest to make room
      flush();
      expect(box.overflowed).toBe(false);
      writer.capacity = Infinity;
      box.drained();
      expect(writer.lines()).toEqual([...Array(20).fill("abc"), ...Array(10).fill("xyz")]);
    });
  });

  describe("the group's queued-bytes total", () => {
    test("is exact after every flush and drain and drops to zero when the outbox leaves", () => {
      const { box, writer, group, broadcast, flush } = outbox();
      broadcast("1|B");
      broadcast("2|B");
      writer.limits = [3];
      flush();
      expect(group.queuedBytes).toBe(7);
      expect(box.countedBytes).toBe(7);
      box.drained();
      expect(group.queuedBytes).toBe(0);
      writer.capacity = 0;
      broadcast("3|B");
      flush();
      expect(group.queuedBytes).toBe(5);
      box.withdraw();
      expect(group.queuedBytes).toBe(0);
      broadcast("4|B");
      expect(flush()).toBe(false);
      expect(group.queuedBytes).toBe(0);
    });

    test("an overflow takes the outbox's bytes out of the total", () => {
      const { box, writer, group, broadcast, flush } = outbox(10);
      writer.capacity = 0;
      broadcast("1|B");
      flush();
      expect(group.queuedBytes).toBe(5);
      broadcast("2|B");
      broadcast("3|B");
      flush();
      expect(box.overflowed).toBe(true);
      expect(group.queuedBytes).toBe(0);
    });
  });
});
