import { describe, expect, test } from "bun:test";
import { FakeWriter } from "../../test/support/fake-writer.ts";
import { Prng } from "../simulate/prng.ts";
import { ClientDirectory } from "./client-directory.ts";
import type { Outbox } from "./outbox.ts";

const encoder = new TextEncoder();

/** Queues `line` for each of `outboxes` on its own, whichever users they belong to. */
function send(directory: ClientDirectory<FakeWriter>, outboxes: Outbox<FakeWriter>[], line: string): void {
  const buf = encoder.encode(line);
  const at = directory.store(buf, 0, buf.length);
  for (const outbox of outboxes) outbox.queue(directory.batch, at, buf.length + 2);
}

/** `user`'s connections, walked from the first through nextOfUser, checking each link back. */
function connectionsOf(directory: ClientDirectory<FakeWriter>, user: number): Outbox<FakeWriter>[] {
  const list: Outbox<FakeWriter>[] = [];
  let previous: Outbox<FakeWriter> | null = null;
  for (let outbox = directory.firstConnectionOf(user); outbox !== null; outbox = outbox.nextOfUser) {
    expect(outbox.previousOfUser).toBe(previous);
    list.push(outbox);
    previous = outbox;
  }
  return list;
}

function broadcast(directory: ClientDirectory<FakeWriter>, line: string): number {
  const buf = encoder.encode(line);
  return directory.broadcast(buf, 0, buf.length);
}

/** Every outbox's recorded position and links point back at it, and the lists hold exactly `expected`. */
function expectConsistent(directory: ClientDirectory<FakeWriter>, expected: Map<number, Set<Outbox<FakeWriter>>>): void {
  const all = new Set<Outbox<FakeWriter>>();
  let users = 0;
  for (const [user, set] of expected) {
    const list = connectionsOf(directory, user);
    expect(new Set(list)).toEqual(set);
    expect(list.length).toBe(set.size);
    for (const outbox of list) expect(outbox.user).toBe(user);
    if (set.size > 0) users++;
    for (const outbox of set) all.add(outbox);
  }
  expect(directory.all.length).toBe(all.size);
  expect(new Set(directory.all)).toEqual(all);
  for (const [i, outbox] of directory.all.entries()) expect(outbox.allPosition).toBe(i);
  expect(directory.connections).toBe(all.size);
  expect(directory.users).toBe(users);
}

describe("ClientDirectory", () => {
  test("an empty directory", () => {
    const directory = new ClientDirectory<FakeWriter>(1024);
    expect(directory.connections).toBe(0);
    expect(directory.users).toBe(0);
    expect(connectionsOf(directory, 0)).toEqual([]);
    expect(connectionsOf(directory, 99)).toEqual([]);
    expect(directory.queuedBytes).toBe(0);
    let drops = 0;
    directory.flush(() => drops++);
    expect(drops).toBe(0);
  });

  test("add lists a connection under its user and in all; the same user may connect twice", () => {
    const directory = new ClientDirectory<FakeWriter>(1024);
    const a = directory.add(5, new FakeWriter("a"));
    const b = directory.add(5, new FakeWriter("b"));
    const c = directory.add(0, new FakeWriter("c"));
    expect(a.user).toBe(5);
    expect(a.writer.name).toBe("a");
    // Newest first.
    expect(connectionsOf(directory, 5)).toEqual([b, a]);
    expect(connectionsOf(directory, 0)).toEqual([c]);
    expect(connectionsOf(directory, 4)).toEqual([]);
    expect(directory.all).toEqual([a, b, c]);
    expect(directory.connections).toBe(3);
    expect(directory.users).toBe(2);
  });

  test("queue reaches every connection of a user and says how many", () => {
    const directory = new ClientDirectory<FakeWriter>(1024);
    const a = directory.add(7, new FakeWriter());
    const b = directory.add(7, new FakeWriter());
    const other = directory.add(8, new FakeWriter());
    const buf = encoder.encode("1|P|2|7");
    const first = directory.firstConnectionOf(7);
    expect(first).not.toBeNull();
    expect(directory.queue(first as Outbox<FakeWriter>, directory.store(buf, 0, buf.length), buf.length)).toBe(2);
    directory.flush(() => {});
    expect(a.writer.lines()).toEqual(["1|P|2|7"]);
    expect(b.writer.lines()).toEqual(["1|P|2|7"]);
    expect(other.writer.writes).toBe(0);
  });

  test("remove swaps the last entry into the hole and is safe to repeat", () => {
    const directory = new ClientDirectory<FakeWriter>(1024);
    const a = directory.add(1, new FakeWriter());
    const b = directory.add(1, new FakeWriter());
    const c = directory.add(1, new FakeWriter());
    const d = directory.add(2, new FakeWriter());
    directory.remove(a);
    expect(directory.all).toEqual([d, b, c]);
    expect(connectionsOf(directory, 1)).toEqual([c, b]);
    expect([a.allPosition, a.previousOfUser, a.nextOfUser]).toEqual([-1, null, null]);
    directory.remove(a);
    expect(directory.connections).toBe(3);
    directory.remove(d);
    expect(directory.users).toBe(1);
    expect(connectionsOf(directory, 2)).toEqual([]);
    directory.remove(b);
    directory.remove(c);
    expect(directory.users).toBe(0);
    expect(directory.connections).toBe(0);
    // A user can come back after all its connections left.
    const e = directory.add(1, new FakeWriter());
    expect(connectionsOf(directory, 1)).toEqual([e]);
    expect(directory.users).toBe(1);
  });

  test("random adds and removes keep positions consistent", () => {
    const prng = new Prng(4242);
    const directory = new ClientDirectory<FakeWriter>(1024);
    const expected = new Map<number, Set<Outbox<FakeWriter>>>();
    const live: Outbox<FakeWriter>[] = [];
    for (let op = 0; op < 20_000; op++) {
      if (live.length > 0 && prng.chance(0.45)) {
        const outbox = live.splice(prng.int(live.length), 1)[0];
        directory.remove(outbox);
        expected.get(outbox.user)?.delete(outbox);
        if (prng.chance(0.1)) directory.remove(outbox); // twice is harmless
      } else {
        const user = prng.int(200);
        const outbox = directory.add(user, new FakeWriter());
        live.push(outbox);
        if (!expected.has(user)) expected.set(user, new Set());
        expected.get(user)?.add(outbox);
      }
      if (op % 500 === 0) expectConsistent(directory, expected);
    }
    expectConsistent(directory, expected);
  });

  test("flush writes each connection that received anything exactly once and tallies the bytes sent", () => {
    const directory = new ClientDirectory<FakeWriter>(1024);
    const a = directory.add(1, new FakeWriter());
    const b = directory.add(2, new FakeWriter());
    const idle = directory.add(3, new FakeWriter());
    send(directory, [a, b], "1|F|3|1");
    send(directory, [a], "2|P|2|1");
    expect(directory.dirty).toEqual([a, b]);
    // Counted as each outbox flushes.
    expect(directory.queuedBytes).toBe(0);
    const drops: unknown[] = [];
    directory.flush((outbox, overflowed) => drops.push([outbox, overflowed]));
    expect(drops).toEqual([]);
    expect(directory.dirty).toEqual([]);
    expect([a.dirty, b.dirty]).toEqual([false, false]);
    expect(a.writer.writes).toBe(1);
    expect(a.writer.lines()).toEqual(["1|F|3|1", "2|P|2|1"]);
    expect(b.writer.lines()).toEqual(["1|F|3|1"]);
    expect(idle.writer.writes).toBe(0);
    expect(directory.queuedBytes).toBe(0);
    expect(directory.sentBytes).toBe(9 + 9 + 9);
    // A second flush with nothing new writes nothing.
    directory.flush(() => drops.push("unexpected"));
    expect(a.writer.writes).toBe(1);
    send(directory, [b], "3|P|1|2");
    expect(directory.dirty).toEqual([b]);
    directory.flush(() => drops.push("unexpected"));
    expect(b.writer.lines()).toEqual(["1|F|3|1", "3|P|1|2"]);
    expect(drops).toEqual([]);
    expect(directory.sentBytes).toBe(9 + 9 + 9 + 9);
  });

  test("flush hands overflowed and closed connections to drop, after the walk, and only once", () => {
    const directory = new ClientDirectory<FakeWriter>(8);
    const ok = directory.add(1, new FakeWriter("ok"));
    const slow = directory.add(2, new FakeWriter("slow"));
    const gone = directory.add(3, new FakeWriter("gone"));
    const late = directory.add(4, new FakeWriter("late"));
    gone.writer.closed = true;
    slow.writer.capacity = 0;
    broadcast(directory, "1|B"); // 5 bytes
    broadcast(directory, "2|B"); // 10 > 8: overflow
    const drops: [string, boolean][] = [];
    directory.flush((outbox, overflowed) => {
      drops.push([outbox.writer.name, overflowed]);
      // Dropping removes from the directory; the walk is already over, so no one is skipped.
      directory.remove(outbox);
    });
    expect(drops).toEqual([
      ["slow", true],
      ["gone", false],
    ]);
    expect(slow.overflowed).toBe(true);
    expect(ok.writer.lines()).toEqual(["1|B", "2|B"]);
    expect(late.writer.lines()).toEqual(["1|B", "2|B"]);
    // The overflowed client never got a byte.
    expect(slow.writer.text()).toBe("");
    expect(directory.all).toEqual([ok, late]);
    expect(directory.users).toBe(2);
    // Dropped connections are not reported again.
    send(directory, [slow, gone], "3|P|1|2");
    broadcast(directory, "4|B");
    directory.flush((outbox) => drops.push([outbox.writer.name, outbox.overflowed]));
    expect(drops).toHaveLength(2);
  });

  test("a removed connection is never written, even with lines queued before removal", () => {
    const directory = new ClientDirectory<FakeWriter>(1024);
    const a = directory.add(1, new FakeWriter());
    const b = directory.add(1, new FakeWriter());
    send(directory, [a, b], "1|P|2|1");
    broadcast(directory, "2|B");
    directory.remove(a);
    expect(a.overflowed).toBe(true);
    send(directory, [a], "3|P|2|1");
    const drops: Outbox<FakeWriter>[] = [];
    directory.flush((outbox) => drops.push(outbox));
    expect(drops).toEqual([]);
    expect(a.writer.writes).toBe(0);
    expect(b.writer.lines()).toEqual(["1|P|2|1", "2|B"]);
    expect(directory.queuedBytes).toBe(0);
  });

  test("a connection blocked on drain is flushed again after drained()", () => {
    const directory = new ClientDirectory<FakeWriter>(1024);
    const a = directory.add(1, new FakeWriter());
    a.writer.limits = [2];
    broadcast(directory, "1|B");
    directory.flush(() => {});
    expect(directory.queuedBytes).toBe(3);
    broadcast(directory, "2|B");
    directory.flush(() => {});
    expect(a.writer.writes).toBe(1);
    expect(a.drained()).toBe(true);
    expect(a.writer.lines()).toEqual(["1|B", "2|B"]);
  });

  test("a broadcast reaches every connection, each with one write, whether or not it had lines of its own", () => {
    const directory = new ClientDirectory<FakeWriter>(1024);
    const a = directory.add(1, new FakeWriter());
    const b = directory.add(2, new FakeWriter());
    expect(broadcast(directory, "1|B")).toBe(2);
    send(directory, [b], "2|P|1|2");
    expect(broadcast(directory, "3|B")).toBe(2);
    directory.flush(() => {});
    expect([a.writer.writes, b.writer.writes]).toEqual([1, 1]);
    expect(a.writer.lines()).toEqual(["1|B", "3|B"]);
    expect(b.writer.lines()).toEqual(["1|B", "2|P|1|2", "3|B"]);
    expect([a.notifications, b.notifications]).toEqual([2, 3]);
    expect(directory.sentBytes).toBe(10 + 19);
    // The batch is reset: the next cycle starts from nothing.
    send(directory, [a], "4|P|2|1");
    directory.flush(() => {});
    expect(a.writer.lines()).toEqual(["1|B", "3|B", "4|P|2|1"]);
    expect(b.writer.writes).toBe(1);
  });

  test("a broadcast with nobody connected queues nothing", () => {
    const directory = new ClientDirectory<FakeWriter>(1024);
    expect(broadcast(directory, "1|B")).toBe(0);
    expect(directory.batch.broadcasts).toBe(0);
    const late = directory.add(1, new FakeWriter());
    directory.flush(() => {});
    expect(late.writer.writes).toBe(0);
  });

  test("lines stored for connections that take none of them are still let go at the flush", () => {
    const directory = new ClientDirectory<FakeWriter>(8);
    const gone = directory.add(1, new FakeWriter());
    directory.remove(gone);
    send(directory, [gone], "1|P|2|1");
    directory.flush(() => {});
    const fresh = directory.add(2, new FakeWriter());
    send(directory, [fresh], "2|P|1|2");
    directory.flush(() => {});
    expect(fresh.writer.lines()).toEqual(["2|P|1|2"]);
  });
});
