import { describe, expect, test } from "bun:test";
import { FakeWriter } from "../../test/support/fake-writer.ts";
import { BROADCAST, NOOP, PRIVATE } from "../protocol/event-kind.ts";
import { FanOut } from "./fan-out.ts";

const encoder = new TextEncoder();

function fanOut(maxClientBuffer = 1 << 20) {
  return new FanOut<FakeWriter>({ maxClientBuffer, delimiter: 0x7c, maxLineBytes: 1024 });
}

describe("FanOut", () => {
  test("runs alone, fed ordered lines from an array, no sequencer in sight", () => {
    const out = fanOut();
    const alice = out.connect(1, new FakeWriter("alice"));
    const bob = out.connect(2, new FakeWriter("bob"));
    const lines = ["1|F|1|2", "2|S|2", "3|P|2|1", "4|X", "5|U|1|2", "6|S|2", "7|B"];
    out.pushLines(encoder.encode(lines.map((line) => `${line}\r\n`).join("")));
    out.flush();
    expect(alice.writer.lines()).toEqual(["2|S|2", "3|P|2|1", "7|B"]);
    expect(bob.writer.lines()).toEqual(["1|F|1|2", "7|B"]);
    expect(out.notifications).toBe(5);
    expect(out.sentBytes).toBe(alice.writer.bytes().length + bob.writer.bytes().length);
  });

  test("lines split across pushes, replays of earlier numbers and unreadable lines", () => {
    const out = fanOut();
    const alice = out.connect(1, new FakeWriter());
    const text = encoder.encode("1|B\r\n2|P|9|1\r\n1|B\r\nx|B\r\n2|P|9|1\r\n3|B\r\n");
    for (let i = 0; i < text.length; i += 4) out.pushLines(text.subarray(i, i + 4));
    out.flush();
    expect(alice.writer.lines()).toEqual(["1|B", "2|P|9|1", "3|B"]);
  });

  test("one write per connection per flush, however many events", () => {
    const out = fanOut();
    const alice = out.connect(1, new FakeWriter());
    const line = encoder.encode("1|B2|B3|B");
    out.event(1, BROADCAST, 0, 0, line, 0, 3);
    out.event(2, BROADCAST, 0, 0, line, 3, 3);
    out.event(3, NOOP, 0, 0, line, 6, 0);
    out.skipped(4, 5);
    out.event(6, BROADCAST, 0, 0, line, 6, 3);
    expect(alice.writer.writes).toBe(0);
    out.flush();
    expect(alice.writer.writes).toBe(1);
    expect(alice.writer.lines()).toEqual(["1|B", "2|B", "3|B"]);
  });

  test("a connection that does not read is dropped past the bound and told so; the queued total follows", () => {
    const out = fanOut(16);
    const stuck = out.connect(1, new FakeWriter());
    stuck.writer.capacity = 0;
    const line = encoder.encode("1|P|2|1");
    out.event(1, PRIVATE, 2, 1, line, 0, line.length);
    out.flush();
    expect(out.queuedBytes).toBe(9);
    out.event(2, PRIVATE, 2, 1, line, 0, line.length);
    out.flush();
    expect(stuck.writer.cutOffAt).toBe(16);
    expect(out.connections).toBe(0);
    expect(out.queuedBytes).toBe(0);
  });

  test("a disconnected connection's bytes leave the total; a drained one sends its tail", () => {
    const out = fanOut();
    const slow = out.connect(1, new FakeWriter());
    const gone = out.connect(2, new FakeWriter());
    slow.writer.limits = [2];
    gone.writer.capacity = 0;
    const line = encoder.encode("1|B");
    out.event(1, BROADCAST, 0, 0, line, 0, 3);
    out.flush();
    expect(out.queuedBytes).toBe(3 + 5);
    out.disconnect(gone);
    expect(out.queuedBytes).toBe(3);
    out.drained(slow);
    expect(out.queuedBytes).toBe(0);
    expect(slow.writer.lines()).toEqual(["1|B"]);
    expect([out.connections, out.onlineUsers]).toEqual([1, 1]);
  });
});
