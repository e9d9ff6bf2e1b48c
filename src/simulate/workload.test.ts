import { describe, expect, test } from "bun:test";
import { parseLine, ReferenceModel } from "../../test/support/reference-model.ts";
import { generateWorkload, type Workload } from "../../test/support/workload.ts";
import { EVENT_TYPES, type EventMix, type EventType } from "./event-stream.ts";
import { Prng } from "./prng.ts";
import { pickClients, REPEAT_REACH, type WorkloadOptions } from "./workload.ts";

const MIX: EventMix = { F: 25, U: 15, P: 30, S: 29, B: 1 };
/** Few users, low degree, heavy on follows and status updates: saturates the graph and fans out a lot. */
const SMALL: WorkloadOptions = { events: 400, users: 20, clients: 12, maxBatch: 12, mix: { F: 30, U: 20, P: 15, S: 30, B: 5 }, degree: 2 };
const MEDIUM: WorkloadOptions = { events: 20_000, users: 500, clients: 100, maxBatch: 100, mix: MIX, degree: 20 };

function workload(seed: number, o: Partial<WorkloadOptions> = {}): Workload {
  return generateWorkload(new Prng(seed), { ...SMALL, ...o });
}

/** Latin1, one char per byte, as the reference model carries bytes. */
const latin1 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");

/** Event `seq`'s line as sent, CRLF included. */
const lineOf = (w: Workload, seq: number) => latin1(w.bytes.subarray(w.lineStart[seq], w.lineStart[seq] + w.lineLength[seq]));

function typeOf(w: Workload, seq: number): EventType {
  return lineOf(w, seq).slice(0, -2).split("|")[1] as EventType;
}

/** Every line of `bytes` in [start, end) with its offset, CRLF removed. */
function linesIn(bytes: Uint8Array, start: number, end: number): { at: number; line: string }[] {
  const out: { at: number; line: string }[] = [];
  let at = start;
  while (at < end) {
    const lf = bytes.indexOf(0x0a, at);
    if (lf < 0 || lf >= end) throw new Error(`unterminated line at ${at}`);
    out.push({ at, line: latin1(bytes.subarray(at, lf - 1)) });
    at = lf + 1;
  }
  return out;
}

function batchCount(w: Workload): number {
  return w.batchEnd.length;
}

describe("generateWorkload: determinism", () => {
  test("the same seed generates the same run", () => {
    const a = workload(42, { noise: 0.1, skew: true });
    const b = workload(42, { noise: 0.1, skew: true });
    expect(b.bytes).toEqual(a.bytes);
    expect(b.lineStart).toEqual(a.lineStart);
    expect(b.lineLength).toEqual(a.lineLength);
    expect(b.batchFirst).toEqual(a.batchFirst);
    expect(b.batchEnd).toEqual(a.batchEnd);
    expect(b.clientUsers).toEqual(a.clientUsers);
    expect(b.expected).toEqual(a.expected);
    expect(b.notifications).toBe(a.notifications);
  });

  test("another seed generates another run", () => {
    const a = workload(42);
    const b = workload(43);
    expect(latin1(b.bytes)).not.toBe(latin1(a.bytes));
    expect(b.clientUsers).not.toEqual(a.clientUsers);
  });
});

describe("generateWorkload: shape", () => {
  test("clients are distinct users in 1 … users", () => {
    const w = workload(1);
    expect(w.clientUsers.length).toBe(SMALL.clients);
    expect(new Set(w.clientUsers).size).toBe(SMALL.clients);
    for (const user of w.clientUsers) expect(user >= 1 && user <= SMALL.users).toBe(true);
  });

  test("pickClients draws first: it names the same clients the whole workload will have", () => {
    for (const seed of [1, 2, 3]) {
      expect(pickClients(new Prng(seed), SMALL.users, SMALL.clients)).toEqual(workload(seed).clientUsers);
      expect(pickClients(new Prng(seed), 500, 100)).toEqual(workload(seed, MEDIUM).clientUsers);
    }
  });

  test("more clients than users is refused", () => {
    expect(() => workload(1, { users: 5, clients: 6 })).toThrow("6 clients need at least as many users, not 5");
  });

  test("batch 0 is the broadcast 1|B alone", () => {
    for (const seed of [1, 2, 3]) {
      const w = workload(seed);
      expect(w.batchFirst[0]).toBe(1);
      expect(w.batchFirst[1]).toBe(2);
      expect(w.batchEnd[0]).toBe(5);
      expect(latin1(w.bytes.subarray(0, 5))).toBe("1|B\r\n");
      expect(w.lineStart[1]).toBe(0);
      expect(w.lineLength[1]).toBe(5);
    }
  });

  test("batches are contiguous, cover 1 … events, and hold 1 … maxBatch events each", () => {
    const w = workload(5);
    const batches = batchCount(w);
    expect(w.batchFirst.length).toBe(batches + 1);
    expect(w.batchFirst[batches]).toBe(SMALL.events + 1);
    const sizes = new Set<number>();
    for (let k = 1; k < batches; k++) {
      const size = w.batchFirst[k + 1] - w.batchFirst[k];
      expect(size >= 1 && size <= SMALL.maxBatch).toBe(true);
      sizes.add(size);
    }
    // Sizes are drawn at random, not all the same.
    expect(sizes.size).toBeGreaterThan(SMALL.maxBatch / 2);
  });

  test("fixedBatches makes every batch after the barrier exactly maxBatch, but the last", () => {
    const w = workload(5, { events: 1 + 7 * 12 + 5, fixedBatches: true });
    const sizes = Array.from({ length: batchCount(w) }, (_, k) => w.batchFirst[k + 1] - w.batchFirst[k]);
    expect(sizes).toEqual([1, 12, 12, 12, 12, 12, 12, 12, 5]);
  });

  test("a batch's lines are exactly its sequence numbers, shuffled, and batchEnd closes each batch", () => {
    const w = workload(9);
    let shuffled = 0;
    for (let k = 0; k < batchCount(w); k++) {
      const start = k === 0 ? 0 : w.batchEnd[k - 1];
      const seqs = linesIn(w.bytes, start, w.batchEnd[k]).map(({ line }) => Number(line.split("|")[0]));
      const first = w.batchFirst[k];
      const wanted = Array.from({ length: w.batchFirst[k + 1] - first }, (_, i) => first + i);
      expect(seqs.toSorted((a, b) => a - b)).toEqual(wanted);
      if (seqs.some((seq, i) => seq !== wanted[i])) shuffled++;
    }
    expect(w.batchEnd[batchCount(w) - 1]).toBe(w.bytes.length);
    expect(shuffled).toBeGreaterThan(batchCount(w) / 2);
  });

  test("lineStart and lineLength point at each event's own CRLF-terminated line", () => {
    for (const noise of [0, 0.2]) {
      const w = workload(13, { noise });
      for (let seq = 1; seq <= w.events; seq++) {
        const line = lineOf(w, seq);
        expect(line.startsWith(`${seq}|`)).toBe(true);
        expect(line.endsWith("\r\n")).toBe(true);
        expect(line.indexOf("\n")).toBe(line.length - 1);
        // The line is an event of the right shape, as the README (the event types) reads it.
        const parsed = parseLine(line.slice(0, -2), "|");
        expect(parsed.seq).toBe(seq);
        expect(parsed.event).not.toBeNull();
      }
    }
  });

  test("each line lies inside its batch's byte range", () => {
    const w = workload(17, { noise: 0.3 });
    for (let k = 0; k < batchCount(w); k++) {
      const start = k === 0 ? 0 : w.batchEnd[k - 1];
      for (let seq = w.batchFirst[k]; seq < w.batchFirst[k + 1]; seq++) {
        expect(w.lineStart[seq] >= start && w.lineStart[seq] + w.lineLength[seq] <= w.batchEnd[k]).toBe(true);
      }
    }
  });

  test("without noise the stream is nothing but the events' lines", () => {
    const w = workload(21);
    let total = 0;
    for (let seq = 1; seq <= w.events; seq++) total += w.lineLength[seq];
    expect(w.bytes.length).toBe(total);
  });

  test("expected lists are increasing and add up to notifications; broadcasts reach every client", () => {
    const w = workload(23);
    let total = 0;
    for (const list of w.expected) {
      for (let i = 1; i < list.length; i++) expect(list[i]).toBeGreaterThan(list[i - 1]);
      total += list.length;
    }
    expect(total).toBe(w.notifications);
    const broadcasts = Array.from({ length: w.events }, (_, i) => i + 1).filter((seq) => typeOf(w, seq) === "B");
    expect(broadcasts.length).toBeGreaterThan(1);
    for (const list of w.expected) {
      const set = new Set(list);
      for (const seq of broadcasts) expect(set.has(seq)).toBe(true);
    }
  });
});

describe("generateWorkload: mix", () => {
  const shares = (w: Workload): Record<EventType, number> => {
    const counts: Record<EventType, number> = { F: 0, U: 0, P: 0, S: 0, B: 0 };
    // Event 1 is the barrier broadcast whatever the mix says.
    for (let seq = 2; seq <= w.events; seq++) counts[typeOf(w, seq)]++;
    for (const type of EVENT_TYPES) counts[type] /= w.events - 1;
    return counts;
  };

  test.each([[{ F: 25, U: 15, P: 30, S: 29, B: 1 }], [{ F: 50, U: 0, P: 30, S: 20, B: 0 }], [{ F: 0, U: 0, P: 3, S: 0, B: 1 }]])(
    "event types follow the weights %o over 100k events",
    (mix: EventMix) => {
      const w = workload(77, { events: 100_000, users: 1000, clients: 4, maxBatch: 100, mix, degree: 20 });
      const got = shares(w);
      const total = EVENT_TYPES.reduce((sum, type) => sum + mix[type], 0);
      for (const type of EVENT_TYPES) {
        if (mix[type] === 0) expect(got[type]).toBe(0);
        else expect(Math.abs(got[type] - mix[type] / total)).toBeLessThan(0.01);
      }
    },
  );
});

describe("generateWorkload: noise", () => {
  test("every extra line is one a correct server drops: oversized, unreadable or an already-sent number", () => {
    for (const seed of [1, 2, 3, 4]) {
      const w = workload(seed, { events: 3000, noise: 0.2 });
      const eventAt = new Map<number, number>();
      for (let seq = 1; seq <= w.events; seq++) eventAt.set(w.lineStart[seq], seq);
      const arrived = new Set<number>();
      const kinds = { oversized: 0, unreadable: 0, repeated: 0 };
      for (const { at, line } of linesIn(w.bytes, 0, w.bytes.length)) {
        const seq = eventAt.get(at);
        if (seq !== undefined) {
          expect(arrived.has(seq)).toBe(false);
          arrived.add(seq);
          continue;
        }
        if (line.length > 1024) {
          kinds.oversized++;
          continue;
        }
        const parsed = parseLine(line, "|");
        if (parsed.seq === null) {
          kinds.unreadable++;
          continue;
        }
        // Readable: only harmless if that number already arrived (a duplicate, never a placeholder).
        expect(arrived.has(parsed.seq)).toBe(true);
        kinds.repeated++;
      }
      expect(arrived.size).toBe(w.events);
      const extra = kinds.oversized + kinds.unreadable + kinds.repeated;
      // About one extra line per five events, of every kind.
      expect(extra).toBeGreaterThan(w.events * 0.15);
      expect(extra).toBeLessThan(w.events * 0.25);
      for (const n of Object.values(kinds)) expect(n).toBeGreaterThan(0);
    }
  });

  test("a repeated line reaches at most REPEAT_REACH events back, so only a window of the run has to be kept", () => {
    const w = workload(4, { events: 3 * REPEAT_REACH, users: 200, clients: 4, maxBatch: 50, noise: 0.3 });
    let farthest = 0;
    for (let k = 1; k < batchCount(w); k++) {
      const first = w.batchFirst[k];
      const starts = new Set(Array.from({ length: w.batchFirst[k + 1] - first }, (_, i) => w.lineStart[first + i]));
      for (const { at, line } of linesIn(w.bytes, w.batchEnd[k - 1], w.batchEnd[k])) {
        if (starts.has(at) || line.length > 1024) continue;
        const parsed = parseLine(line, "|");
        if (parsed.seq === null || parsed.event === null) continue;
        expect(parsed.seq).toBeGreaterThanOrEqual(first - REPEAT_REACH);
        farthest = Math.max(farthest, first - parsed.seq);
      }
    }
    // And repeats do reach far back, not just into their own batch.
    expect(farthest).toBeGreaterThan(REPEAT_REACH / 2);
  });

  test("noise 0 draws nothing extra: the run is the same as without the option", () => {
    const without = workload(31);
    const zero = workload(31, { noise: 0 });
    expect(zero.bytes).toEqual(without.bytes);
    expect(zero.expected).toEqual(without.expected);
    expect(workload(31, { noise: 0.1 }).bytes.length).toBeGreaterThan(without.bytes.length);
  });
});

/**
 * The independent check: an obviously-right reading of the README's event rules, fed the
 * generated stream in random chunks, must deliver exactly the lists the
 * generator says each client is owed.
 */
function expectModelAgrees(seed: number, o: Partial<WorkloadOptions>): void {
  const w = workload(seed, o);
  const model = new ReferenceModel({ delimiter: "|", startSeq: 1, maxLineBytes: 1024 });
  const ids = Array.from(w.clientUsers, (user) => model.connect(user));
  const chunks = new Prng(seed ^ 0x5eed);
  const text = latin1(w.bytes);
  for (let at = 0; at < text.length; ) {
    const size = chunks.range(1, chunks.chance(0.3) ? 16 : 4000);
    model.push(text.slice(at, at + size));
    at += size;
  }
  expect(model.next).toBe(w.events + 1);
  expect(model.pending).toBe(0);
  let notifications = 0;
  for (const [client, id] of ids.entries()) {
    const owed = Array.from(w.expected[client], (seq) => lineOf(w, seq).slice(0, -2));
    expect(model.received(id)).toEqual(owed);
    notifications += owed.length;
  }
  expect(model.counters.notifications).toBe(notifications);
  expect(w.notifications).toBe(notifications);
  // The noise really was there, and was all dropped.
  if (o.noise) expect(model.counters.duplicates + model.counters.oversized + model.counters.malformed).toBeGreaterThan(0);
}

describe("generateWorkload agrees with the reference model", () => {
  for (const size of ["small", "medium"] as const) {
    for (const noise of [0, 0.1]) {
      for (const skew of [false, true]) {
        const base = size === "small" ? SMALL : MEDIUM;
        const seeds = size === "small" ? [1, 2, 3, 4, 5, 6] : [7, 8];
        test(`${size}, noise ${noise}, skew ${skew}: every client is owed what the model delivers`, () => {
          for (const seed of seeds) expectModelAgrees(seed, { ...base, noise, skew });
        });
      }
    }
  }

  test("fixed batches of one (in order) and of the whole stream (one shuffle) agree too", () => {
    expectModelAgrees(11, { maxBatch: 1, noise: 0.1 });
    expectModelAgrees(12, { maxBatch: 400, fixedBatches: true, noise: 0.1 });
  });

  test("every user a client, and a single client, agree too", () => {
    expectModelAgrees(13, { users: 12, clients: 12, skew: true });
    expectModelAgrees(14, { users: 50, clients: 1, noise: 0.1 });
  });
});
