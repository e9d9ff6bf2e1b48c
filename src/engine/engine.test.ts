import { describe, expect, test } from "bun:test";
import { countingViews } from "../../test/support/counting-views.ts";
import { FakeWriter } from "../../test/support/fake-writer.ts";
import { ReferenceModel } from "../../test/support/reference-model.ts";
import type { Problem } from "../protocol/event-line.ts";
import { LineFramer } from "../protocol/line-framer.ts";
import { FanOut } from "../routing/fan-out.ts";
import type { Outbox } from "../routing/outbox.ts";
import { Prng } from "../simulate/prng.ts";
import { Engine, type EngineObserver, type EngineOptions, type EngineTiming } from "./engine.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

type Call = ["malformed", Problem, string, boolean] | ["oversized", number] | ["duplicate", number] | ["gapSkipped", number, number];

class RecordingObserver implements EngineObserver {
  readonly calls: Call[] = [];
  malformed(problem: Problem, buf: Uint8Array, start: number, end: number, keptPlace: boolean): void {
    this.calls.push(["malformed", problem, decoder.decode(buf.subarray(start, end)), keptPlace]);
  }
  oversized(length: number): void {
    this.calls.push(["oversized", length]);
  }
  duplicate(seq: number): void {
    this.calls.push(["duplicate", seq]);
  }
  gapSkipped(from: number, to: number): void {
    this.calls.push(["gapSkipped", from, to]);
  }
}

/** The fan-out the engine feeds, with fake sockets. */
class World {
  readonly fanOut = new FanOut<FakeWriter>({ maxClientBuffer: 1 << 20, delimiter: 0x7c, maxLineBytes: 1024 });

  connect(id: number): Outbox<FakeWriter> {
    return this.fanOut.connect(id, new FakeWriter(`user ${id}`));
  }

  /** Flushes, then returns the lines each given connection has received so far. */
  received(...outboxes: Outbox<FakeWriter>[]): string[][] {
    this.fanOut.flush();
    return outboxes.map((outbox) => outbox.writer.lines());
  }
}

function setup(options: Partial<EngineOptions> = {}, timing?: EngineTiming) {
  const world = new World();
  const observer = new RecordingObserver();
  const engine = new Engine({ delimiter: 0x7c, startSeq: 1, maxPending: 1000, ...options }, world.fanOut, observer, timing);
  /**
   * Feeds the lines as one read cycle, each line in a read buffer of its own,
   * surrounded by other bytes, as the framer hands lines over.
   */
  const feed = (...lines: string[]) => {
    engine.read(
      {
        push() {
          for (const line of lines) {
            const buf = encoder.encode(`@@${line}\r\n`);
            engine.line(buf, 2, 2 + encoder.encode(line).length);
          }
        },
      },
      new Uint8Array(0),
    );
  };
  return { world, observer, engine, feed, counters: engine.counters };
}

describe("Engine: ordering", () => {
  test("in-order events are applied at once and never held", () => {
    const { world, engine, feed, counters } = setup();
    const alice = world.connect(1);
    feed("1|B");
    expect(world.received(alice)).toEqual([["1|B"]]);
    feed("2|B", "3|B");
    expect(world.received(alice)).toEqual([["1|B", "2|B", "3|B"]]);
    expect(engine.pending).toBe(0);
    expect(engine.next).toBe(4);
    expect(counters).toMatchObject({ lines: 3, applied: 3, malformed: 0, duplicates: 0 });
  });

  test("out-of-order events are held until the gap before them fills", () => {
    const { world, engine, feed, counters } = setup();
    const alice = world.connect(1);
    const bob = world.connect(2);
    feed("4|P|2|1", "3|F|2|1", "2|B");
    expect(world.received(alice, bob)).toEqual([[], []]);
    expect(engine.pending).toBe(3);
    expect(counters.applied).toBe(0);
    feed("1|S|1");
    expect(world.received(alice, bob)).toEqual([["2|B", "3|F|2|1", "4|P|2|1"], ["2|B"]]);
    expect(engine.pending).toBe(0);
    expect(engine.next).toBe(5);
    expect(counters.applied).toBe(4);
  });

  test("the follow graph is applied in sequence order, not arrival order", () => {
    const { world, feed } = setup();
    const follower = world.connect(1);
    // Arrives: status (3), unfollow (2), follow (1). In order: follow, unfollow, status: nothing.
    feed("3|S|2", "2|U|1|2", "1|F|1|2");
    expect(world.received(follower)).toEqual([[]]);
    // Arrives: unfollow (6), follow (4), status (5). In order: follow, status, unfollow: delivered.
    feed("6|U|1|2", "4|F|1|2", "5|S|2");
    expect(world.received(follower)).toEqual([["5|S|2"]]);
  });

  test("starts at the configured sequence number", () => {
    const { world, engine, feed, counters, observer } = setup({ startSeq: 100 });
    const alice = world.connect(1);
    feed("101|B", "99|B", "100|B");
    expect(world.received(alice)).toEqual([["100|B", "101|B"]]);
    expect(counters.duplicates).toBe(1);
    expect(observer.calls).toEqual([["duplicate", 99]]);
    expect(engine.next).toBe(102);
  });

  test("is full once maxPending events are held", () => {
    const { engine, feed } = setup({ maxPending: 3 });
    feed("5|B", "6|B");
    expect(engine.full).toBe(false);
    feed("7|B");
    expect(engine.full).toBe(true);
    feed("1|B");
    expect(engine.full).toBe(true);
    feed("2|B", "3|B", "4|B");
    expect(engine.full).toBe(false);
    expect(engine.pending).toBe(0);
  });

  test("uses the configured delimiter", () => {
    const { world, feed, counters } = setup({ delimiter: 0x2c });
    const alice = world.connect(1);
    feed("2,P,5,1", "1|P|5|1", "1,B");
    expect(world.received(alice)).toEqual([["1,B", "2,P,5,1"]]);
    expect(counters.malformed).toBe(1);
  });
});

describe("Engine: duplicates", () => {
  test("a sequence number already delivered is dropped and counted", () => {
    const { world, feed, counters, observer } = setup();
    const alice = world.connect(1);
    feed("1|B", "2|B", "1|B", "2|P|9|1", "1|B");
    expect(world.received(alice)).toEqual([["1|B", "2|B"]]);
    expect(counters).toMatchObject({ lines: 5, applied: 2, duplicates: 3 });
    expect(observer.calls).toEqual([
      ["duplicate", 1],
      ["duplicate", 2],
      ["duplicate", 1],
    ]);
  });

  test("a sequence number already waiting: the first copy wins, the rest are dropped once released", () => {
    const { world, feed, counters, observer, engine } = setup();
    const alice = world.connect(1);
    feed("3|P|7|1", "3|B", "2|B", "3|S|7");
    expect(engine.pending).toBe(4);
    feed("1|B");
    expect(world.received(alice)).toEqual([["1|B", "2|B", "3|P|7|1"]]);
    expect(counters).toMatchObject({ applied: 3, duplicates: 2 });
    expect(observer.calls).toEqual([
      ["duplicate", 3],
      ["duplicate", 3],
    ]);
    expect(engine.pending).toBe(0);
    // And once delivered, later copies are duplicates too.
    feed("3|B");
    expect(counters.duplicates).toBe(3);
    expect(world.received(alice)).toEqual([["1|B", "2|B", "3|P|7|1"]]);
  });

  test("a malformed copy that arrived first holds the place: the later good copy is the duplicate", () => {
    const { world, feed, counters } = setup();
    const alice = world.connect(1);
    feed("2|X", "2|B", "1|B", "3|B");
    expect(world.received(alice)).toEqual([["1|B", "3|B"]]);
    expect(counters).toMatchObject({ malformed: 1, duplicates: 1, applied: 3 });
  });

  test("a malformed line with an old sequence number is both malformed and a duplicate", () => {
    const { feed, counters, observer } = setup();
    feed("1|B", "1|Q");
    expect(counters).toMatchObject({ malformed: 1, duplicates: 1, applied: 1 });
    expect(observer.calls).toEqual([
      ["malformed", "unknown type", "1|Q", true],
      ["duplicate", 1],
    ]);
  });
});

describe("Engine: bad input", () => {
  test("a malformed line with a readable sequence number keeps its place as a no-op", () => {
    const { world, feed, counters, observer, engine } = setup();
    const alice = world.connect(1);
    const bob = world.connect(2);
    feed("3|X|1|2", "4|B");
    expect(world.received(alice)).toEqual([[]]);
    feed("1|B", "2|P|2|1");
    expect(world.received(alice, bob)).toEqual([
      ["1|B", "2|P|2|1", "4|B"],
      ["1|B", "4|B"],
    ]);
    expect(counters).toMatchObject({ lines: 4, applied: 4, malformed: 1 });
    expect(observer.calls).toEqual([["malformed", "unknown type", "3|X|1|2", true]]);
    expect(engine.next).toBe(5);
  });

  test("a malformed line in order is applied as a no-op at once", () => {
    const { world, feed, counters, engine } = setup();
    const alice = world.connect(1);
    feed("1|F|1", "2|P|3|1");
    expect(world.received(alice)).toEqual([["2|P|3|1"]]);
    expect(counters).toMatchObject({ applied: 2, malformed: 1 });
    expect(engine.pending).toBe(0);
  });

  test("held no-ops do not keep their line bytes", () => {
    const { feed, engine } = setup();
    feed("5|F|1", "6|P|1|x");
    expect(engine.pending).toBe(2);
    expect(engine.heldBytes).toBe(0);
    expect(engine.pinnedBytes).toBe(0);
  });

  test.each<[string, Problem, boolean]>([
    ["3|X|1|2", "unknown type", true],
    ["5|F|1", "wrong field count", true],
    ["5|B|1", "wrong field count", true],
    ["5|S|1|2", "wrong field count", true],
    ["5|FF|1|2", "unknown type", true],
    ["5|P|1|x", "bad user id", true],
    ["5|F|2147483648|1", "bad user id", true],
    ["", "empty line", false],
    ["x|B", "bad sequence number", false],
    ["0|B", "bad sequence number", false],
    ["9007199254740992|B", "bad sequence number", false],
  ])("%p is reported as %p (keeps place: %p)", (line, problem, keptPlace) => {
    const { feed, counters, observer, engine } = setup();
    feed(line);
    expect(observer.calls).toEqual([["malformed", problem, line, keptPlace]]);
    expect(counters.malformed).toBe(1);
    expect(engine.pending + counters.applied).toBe(keptPlace ? 1 : 0);
  });

  test("a malformed line is reported as offsets into its read: the engine takes no view of it", () => {
    const reported: [Uint8Array, number, number][] = [];
    const engine = new Engine(
      { delimiter: 0x7c, startSeq: 1, maxPending: 10 },
      { event() {}, skipped() {}, flush() {} },
      { malformed: (_problem, buf, start, end) => reported.push([buf, start, end]), oversized() {}, duplicate() {}, gapSkipped() {} },
    );
    const { buf: read, views } = countingViews(encoder.encode("@@3|X|1|2\r\n"));
    engine.line(read, 2, 9);
    expect(views()).toBe(0);
    expect(reported).toEqual([[read, 2, 9]]);
  });

  test("unreadable lines are dropped without disturbing the order", () => {
    const { world, feed, counters, engine } = setup();
    const alice = world.connect(1);
    feed("2|B", "", "x|B", "0|B", "|", "1|B");
    expect(world.received(alice)).toEqual([["1|B", "2|B"]]);
    expect(counters).toMatchObject({ lines: 6, applied: 2, malformed: 4, duplicates: 0 });
    expect(engine.next).toBe(3);
  });

  test("oversized lines are counted and reported", () => {
    const { engine, counters, observer } = setup();
    engine.oversized(5000);
    engine.oversized(70_000);
    expect(counters.oversized).toBe(2);
    expect(counters.malformed).toBe(0);
    expect(observer.calls).toEqual([
      ["oversized", 5000],
      ["oversized", 70_000],
    ]);
  });
});

describe("Engine: skipGap", () => {
  test("does nothing when nothing is held", () => {
    const { engine, observer, counters, feed } = setup();
    expect(engine.skipGap()).toBe(0);
    feed("1|B");
    expect(engine.skipGap()).toBe(0);
    expect(observer.calls).toEqual([]);
    expect(counters.skipped).toBe(0);
  });

  test("skips the missing numbers before the first held event and applies what follows", () => {
    const { world, engine, observer, counters, feed } = setup();
    const alice = world.connect(1);
    feed("1|B", "5|B", "6|B", "9|B", "5|P|2|1");
    expect(engine.skipGap()).toBe(3);
    expect(observer.calls).toEqual([
      ["gapSkipped", 2, 4],
      ["duplicate", 5],
    ]);
    expect(world.received(alice)).toEqual([["1|B", "5|B", "6|B"]]);
    expect(engine.next).toBe(7);
    expect(engine.skipGap()).toBe(2);
    expect(world.received(alice)).toEqual([["1|B", "5|B", "6|B", "9|B"]]);
    expect(observer.calls.at(-1)).toEqual(["gapSkipped", 7, 8]);
    expect(counters).toMatchObject({ skipped: 5, applied: 4, duplicates: 1 });
    // A skipped number that turns up late is a duplicate.
    feed("3|B");
    expect(counters.duplicates).toBe(2);
    expect(world.received(alice)).toEqual([["1|B", "5|B", "6|B", "9|B"]]);
  });
});

describe("Engine: arrival stamps", () => {
  /** An engine whose clock reads `times` in turn (each read cycle reads it at its start and at its end) and whose latencies are recorded. */
  function timed(...times: number[]) {
    const observed: [number, number][] = [];
    const clock = () => {
      const now = times.shift();
      if (now === undefined) throw new Error("the clock was read more often than scripted");
      return now;
    };
    const run = setup({}, { clock, latency: { observe: (seconds, count) => observed.push([seconds, count]) } });
    /** The latencies reported since the last call: [seconds since arrival, events]. */
    const written = () => observed.splice(0);
    return { ...run, written, times };
  }

  test("events applied from a read share its stamp; released events keep the stamp of the read they came in", () => {
    const { feed, written } = timed(1000, 1003, 2000, 2010, 2020, 2020);
    feed("1|B", "2|X", "4|B", "2|B");
    // 1 and the malformed 2 (a no-op in its place) were applied; 4 is held, the second 2 a duplicate.
    expect(written()).toEqual([[0.003, 2]]);
    feed("3|B", "5|B");
    expect(written()).toEqual([
      [1.01, 1],
      [0.01, 2],
    ]);
    feed();
    expect(written()).toEqual([]);
  });

  test("events released by a gap skip are reported with their own stamps", () => {
    const { engine, feed, written } = timed(500, 500, 600, 600, 1500, 1600);
    feed("3|B", "4|B");
    feed("6|B");
    expect(written()).toEqual([]);
    expect(engine.skipGap()).toBe(2);
    expect(written()).toEqual([[1, 2]]);
    expect(engine.skipGap()).toBe(1);
    expect(written()).toEqual([[1, 1]]);
  });

  test("every applied event is reported exactly once", () => {
    const seqs = new Prng(11).shuffle(Array.from({ length: 3000 }, (_, i) => i + 1));
    const reads: number[] = [];
    for (let i = 0; i < seqs.length; i += 37) reads.push(i, i + 1);
    const { engine, feed, written } = timed(...reads);
    let reported = 0;
    for (let i = 0; i < seqs.length; i += 37) {
      feed(...seqs.slice(i, i + 37).map((seq) => `${seq}|B`));
      for (const [, count] of written()) reported += count;
      expect(reported).toBe(engine.counters.applied);
    }
    expect(reported).toBe(3000);
  });
});

describe("Engine: one read cycle", () => {
  test("a read that throws still settles, flushes and reports its latency", () => {
    const observed: number[] = [];
    const { world, engine } = setup({}, { clock: () => 7, latency: { observe: (_, count) => observed.push(count) } });
    const alice = world.connect(1);
    const read = encoder.encode("1|B\r\n2|B\r\n");
    const framer = new LineFramer(64, engine);
    const failing = {
      push(chunk: Uint8Array) {
        framer.push(chunk);
        throw new Error("a bug after the lines were framed");
      },
    };
    expect(() => engine.read(failing, read)).toThrow("a bug after the lines were framed");
    // Written without another flush: the cycle's own flush ran.
    expect(alice.writer.lines()).toEqual(["1|B", "2|B"]);
    expect(observed).toEqual([2]);
  });

  test("reports whether the reorder buffer is full after the read", () => {
    const { engine } = setup({ maxPending: 2 });
    const framer = new LineFramer(64, engine);
    expect(engine.read(framer, encoder.encode("3|B\r\n"))).toBe(false);
    expect(engine.read(framer, encoder.encode("4|B\r\n"))).toBe(true);
    expect(engine.read(framer, encoder.encode("1|B\r\n2|B\r\n"))).toBe(false);
  });

  test("the stream sees every sequence number: events, kept no-ops and skipped gaps, then one flush per cycle", () => {
    const calls: string[] = [];
    const observer = new RecordingObserver();
    const engine = new Engine(
      { delimiter: 0x7c, startSeq: 1, maxPending: 100 },
      {
        event: (seq, kind, _from, _to, line, start, length) => calls.push(`event ${seq} kind ${kind} ${decoder.decode(line.subarray(start, start + length))}`),
        skipped: (from, to) => calls.push(`skipped ${from}-${to}`),
        flush: () => calls.push("flush"),
      },
      observer,
    );
    const framer = new LineFramer(64, engine);
    engine.read(framer, encoder.encode("1|B\r\n2|X\r\n5|B\r\n"));
    engine.skipGap();
    expect(calls).toEqual(["event 1 kind 3 1|B", "event 2 kind 0 2|X", "flush", "skipped 3-4", "event 5 kind 3 5|B", "flush"]);
  });
});

describe("Engine: held lines stay intact", () => {
  test("lines held across many large reads survive the compaction at the end of the cycle", () => {
    const { world, engine, feed } = setup();
    const alice = world.connect(1);
    const expected: string[] = [];
    let pinnedBefore = 0;
    const reads = {
      push() {
        // Each held line pins a 64 KiB read of its own, as one far-ahead line per read would.
        for (let i = 0; i < 40; i++) {
          const seq = 100 - i;
          const line = `${seq}|P|${i}|1`;
          const read = new Uint8Array(64 * 1024).fill(0x0a);
          const at = 1000 + i * 13;
          read.set(encoder.encode(line), at);
          engine.line(read, at, at + line.length);
          expected.unshift(line);
        }
        pinnedBefore = engine.pinnedBytes;
      },
    };
    engine.read(reads, new Uint8Array(0));
    expect(engine.pinnedBytes).toBeLessThan(pinnedBefore / 100);
    for (let seq = 1; seq < 61; seq++) feed(`${seq}|X`);
    expect(engine.pending).toBe(0);
    expect(world.received(alice)).toEqual([expected]);
  });

  test("works behind a LineFramer with lines split across chunks", () => {
    const { world, engine } = setup();
    const alice = world.connect(1);
    const ninth = world.connect(9);
    const framer = new LineFramer(64, engine);
    const text = `3|P|2|1\r\n2|B\r\n4|S|9\r\n${"x".repeat(100)}\r\n1|F|1|9\r\n5|S|9\r\n`;
    const bytes = encoder.encode(text);
    for (let i = 0; i < bytes.length; i += 5) engine.read(framer, bytes.slice(i, i + 5));
    expect(world.received(alice, ninth)).toEqual([
      ["2|B", "3|P|2|1", "4|S|9", "5|S|9"],
      ["1|F|1|9", "2|B"],
    ]);
    expect(engine.counters).toMatchObject({ applied: 5, oversized: 1, malformed: 0 });
  });
});

describe("Engine: randomized against in-order delivery", () => {
  test.each([1, 2, 3])("shuffled stream with duplicates and junk delivers what the sorted stream does (seed %p)", (seed) => {
    const prng = new Prng(seed);
    const ids = [1, 2, 3, 4, 5, 6];
    const events: string[] = [];
    for (let seq = 1; seq <= 2000; seq++) {
      const a = prng.pick(ids);
      const b = prng.pick(ids);
      const kind = prng.int(6);
      events.push(
        kind === 0
          ? `${seq}|F|${a}|${b}`
          : kind === 1
            ? `${seq}|U|${a}|${b}`
            : kind === 2
              ? `${seq}|B`
              : kind === 3
                ? `${seq}|P|${a}|${b}`
                : kind === 4
                  ? `${seq}|S|${a}`
                  : `${seq}|Z|${a}`,
      );
    }

    // Shuffle within a sliding window, then sprinkle copies and unreadable junk.
    const shuffled = [...events];
    for (let i = 0; i < shuffled.length; i += 50) {
      const window = prng.shuffle(shuffled.slice(i, i + 80));
      shuffled.splice(i, window.length, ...window);
    }
    const arrivals: string[] = [];
    let copies = 0;
    for (const line of shuffled) {
      arrivals.push(line);
      if (prng.chance(0.05)) {
        arrivals.splice(prng.range(Math.max(0, arrivals.length - 100), arrivals.length), 0, line);
        copies++;
      }
      if (prng.chance(0.02)) arrivals.push(prng.pick(["", "x|B", "0|S|1"]));
    }

    // The naive model shares no code with the engine, so agreeing with it means something.
    const model = new ReferenceModel({ delimiter: "|", startSeq: 1, maxLineBytes: 1024 });
    const modelClients = ids.map((id) => model.connect(id));
    for (const line of arrivals) model.push(`${line}\r\n`);

    const subject = setup();
    const subjectClients = ids.map((id) => subject.world.connect(id));
    // Cut into reads of about ten lines, each one cycle.
    let read: string[] = [];
    for (const line of arrivals) {
      read.push(line);
      if (prng.chance(0.1)) {
        subject.feed(...read);
        read = [];
      }
    }
    subject.feed(...read);

    expect(subject.engine.pending).toBe(0);
    expect(subject.engine.next).toBe(2001);
    expect(subject.counters.applied).toBe(2000);
    expect(subject.counters.duplicates).toBe(copies);
    expect(model.counters).toMatchObject({ applied: 2000, duplicates: copies, malformed: subject.counters.malformed });
    expect(subject.world.received(...subjectClients)).toEqual(modelClients.map((id) => [...model.received(id)]));
    // Sanity: the workload actually delivered something to everyone.
    for (const outbox of subjectClients) expect(outbox.writer.lines().length).toBeGreaterThan(100);
  });
});
