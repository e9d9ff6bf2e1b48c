import { describe, expect, test } from "bun:test";
import { generateWorkload, loadedWindow, type Workload } from "../../test/support/workload.ts";
import { EventWindow, type WindowSizes } from "./event-window.ts";
import { Expectations } from "./expectations.ts";
import { LatencyHistogram } from "./latency-histogram.ts";
import { Prng } from "./prng.ts";
import { ClientVerifier } from "./verifier.ts";
import { WindowWriter } from "./window-writer.ts";
import { WorkloadGenerator, type WorkloadOptions } from "./workload.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const text = (bytes: Uint8Array | null) => (bytes === null ? null : decoder.decode(bytes));

/** Keeps every recorded value, so latencies can be checked exactly. */
class RecordingHistogram extends LatencyHistogram {
  readonly values: number[] = [];
  calls = 0;

  override record(micros: number, times = 1): void {
    this.calls++;
    for (let k = 0; k < times; k++) this.values.push(micros);
    super.record(micros, times);
  }
}

const OPTIONS: WorkloadOptions = { events: 300, users: 20, clients: 8, maxBatch: 10, mix: { F: 25, U: 15, P: 30, S: 29, B: 1 }, degree: 5 };
/** The same run, whole, to say what the client is owed. */
const WORKLOAD: Workload = generateWorkload(new Prng(2024), OPTIONS);
/** The client owed the most, so there is room for failures in the middle. */
const CLIENT = WORKLOAD.expected.reduce((best, list, c) => (list.length > (WORKLOAD.expected[best]?.length ?? 0) ? c : best), 0);
const OWED = Array.from(WORKLOAD.expected[CLIENT]);

/** Batch k written at 1000 + 10·k ms. */
const sentAtOf = (k: number) => 1000 + 10 * k;

function batchOf(seq: number): number {
  let k = 0;
  while (WORKLOAD.batchFirst[k + 1] <= seq) k++;
  return k;
}

/** A verifier of CLIENT over a window holding the whole run, each event stamped with `stamp(its batch)`. */
function setup(stamp: (batch: number) => number = sentAtOf) {
  const latency = new RecordingHistogram();
  const { window, expectations } = loadedWindow(new Prng(2024), OPTIONS);
  const sentAt = window.buffers.sentAt;
  for (let seq = 1; seq <= OPTIONS.events; seq++) sentAt[seq & window.eventMask] = stamp(batchOf(seq));
  const verifier = new ClientVerifier(window, expectations, CLIENT, CLIENT, WORKLOAD.clientUsers[CLIENT] as number, latency);
  return { verifier, latency, window };
}

/** Event `seq`'s line, CRLF included, as text. */
function line(seq: number): string {
  return decoder.decode(WORKLOAD.bytes.subarray(WORKLOAD.lineStart[seq], WORKLOAD.lineStart[seq] + WORKLOAD.lineLength[seq]));
}

const stream = (lines: string[]) => encoder.encode(lines.join(""));
const owedLines = () => OWED.map(line);

/** Feeds `bytes` whole; returns the failure, or null. */
function feed(verifier: ClientVerifier, bytes: Uint8Array, now = 5000) {
  return verifier.receive(bytes, now);
}

/**
 * Feeds `received` whole to a fresh verifier and checks it fails as a
 * mismatch after `verified` good lines, showing the line owed next, `got`,
 * and up to three good lines before.
 */
function expectMismatch(received: string[], verified: number, got: string) {
  const f = feed(setup().verifier, stream(received));
  expect(f?.kind).toBe("mismatch");
  expect(f?.verified).toBe(verified);
  expect(text(f?.expected ?? null)).toBe(line(OWED[verified]));
  expect(text(f?.got ?? null)).toBe(got);
  expect(f?.before.map(text)).toEqual(owedLines().slice(Math.max(0, verified - 3), verified));
  return f;
}

/**
 * The run streamed through a 256-byte ring, each client fed its owed lines
 * batch by batch as they are appended. With `corrupt`, the first client owed
 * that event gets the byte before its CRLF wrong, and streaming stops there.
 */
function throughRing(corrupt?: number) {
  const sizes: WindowSizes = { events: 64, bytes: 1 << 8, recipients: 256, notifications: 1024, batches: 64 };
  const window = EventWindow.create(sizes, 1);
  const writer = new WindowWriter(window, sizes, OPTIONS.clients);
  const generator = new WorkloadGenerator(new Prng(2024), OPTIONS);
  const clients = Array.from(WORKLOAD.clientUsers, (_, client) => client);
  const expectations = new Expectations(window, 0, clients, clients.length, OPTIONS.events);
  const verifiers = clients.map(
    (client) => new ClientVerifier(window, expectations, client, client, WORKLOAD.clientUsers[client] as number, new LatencyHistogram()),
  );
  /** By client: how many of its owed lines it has been fed. */
  const fed = clients.map(() => 0);
  /** Lines that start before the ring's end and have their byte before CRLF past it. */
  const across: number[] = [];
  let sent = 0;
  for (let batch = generator.next(); batch !== null; batch = generator.next()) {
    expect(writer.fits(batch, { neededSeq: batch.first, neededByte: sent, full: false })).toBe(true);
    const start = writer.append(batch);
    sent = start + batch.byteLength;
    expectations.scan();
    for (let seq = batch.first; seq <= batch.last; seq++) {
      const slot = seq & window.eventMask;
      if (((window.buffers.lineStart[slot] as number) & window.byteMask) + (window.buffers.lineLength[slot] as number) - 3 >= sizes.bytes) across.push(seq);
    }
    for (const client of clients) {
      const owed = WORKLOAD.expected[client] as Int32Array;
      const from = fed[client] as number;
      while ((fed[client] as number) < owed.length && (owed[fed[client] as number] as number) <= batch.last) fed[client]++;
      const seqs = Array.from(owed.subarray(from, fed[client]));
      const lines = seqs.map(line);
      const bytes = stream(lines);
      const wrong = corrupt === undefined ? -1 : seqs.indexOf(corrupt);
      if (wrong >= 0) bytes[stream(lines.slice(0, wrong)).length + WORKLOAD.lineLength[corrupt as number] - 3] = 0x5a;
      const failure = (verifiers[client] as ClientVerifier).receive(bytes, 1);
      if (wrong >= 0) return { across, verifiers, failure };
      expect(failure).toBeNull();
    }
    expectations.publish();
  }
  return { across, verifiers, failure: null };
}

describe("ClientVerifier", () => {
  test("the workload gives the tested client enough lines to fail in the middle", () => {
    expect(OWED.length).toBeGreaterThanOrEqual(8);
  });

  test.each([
    ["1-byte", 1],
    ["2-byte", 2],
    ["7-byte", 7],
    ["64-byte", 64],
    ["random 1…200-byte", 0],
  ])("the exact expected bytes pass in %s chunks, with one latency per line from its batch's sentAt", (_, max) => {
    const { verifier, latency } = setup();
    const bytes = stream(owedLines());
    const prng = new Prng(max + 1);
    /** By line: the `now` of the chunk that completed it. */
    const completedAt: number[] = [];
    let lineEnd = 0;
    let lineIndex = 0;
    let now = 2000;
    for (let at = 0; at < bytes.length; ) {
      const size = max === 0 ? prng.range(1, 200) : max;
      const chunk = bytes.subarray(at, at + size);
      now += prng.range(0, 3);
      expect(verifier.done).toBe(false);
      expect(verifier.receive(chunk, now)).toBeNull();
      at += chunk.length;
      while (lineIndex < OWED.length && lineEnd + WORKLOAD.lineLength[OWED[lineIndex]] <= at) {
        lineEnd += WORKLOAD.lineLength[OWED[lineIndex]];
        completedAt.push(now);
        lineIndex++;
      }
      expect(verifier.verified).toBe(lineIndex);
    }
    expect(verifier.done).toBe(true);
    expect(verifier.verified).toBe(OWED.length);
    expect(verifier.lastProgress).toBe(now);
    expect(latency.count).toBe(OWED.length);
    expect(latency.values).toEqual(OWED.map((seq, i) => (completedAt[i] - sentAtOf(batchOf(seq))) * 1000));
  });

  test("over a byte ring the stream wraps many times, lines across its end pass, and a wrong byte past the end is a mismatch there", () => {
    const { across, verifiers } = throughRing();
    expect(across.length).toBeGreaterThan(3);
    verifiers.forEach((verifier, client) => {
      expect(verifier.done).toBe(true);
      expect(verifier.verified).toBe(WORKLOAD.expected[client]?.length);
    });
    const seq = across.find((s) => WORKLOAD.expected.some((owed) => owed.includes(s))) as number;
    const { failure } = throughRing(seq);
    expect(failure?.kind).toBe("mismatch");
    expect(text(failure?.expected ?? null)).toBe(line(seq));
    expect(text(failure?.got ?? null)).toBe(`${line(seq).slice(0, WORKLOAD.lineLength[seq] - 3)}Z\r\n`);
  });

  test("the whole stream in one chunk passes", () => {
    const { verifier, latency } = setup();
    expect(feed(verifier, stream(owedLines()))).toBeNull();
    expect(verifier.done).toBe(true);
    expect(latency.count).toBe(OWED.length);
  });

  test("lines of one chunk with one stamp are recorded together, each with its own latency still", () => {
    // Three batches to a write, as at full speed many batches share the write that stamped them.
    const shared = (batch: number) => sentAtOf(Math.floor(batch / 3));
    const { verifier, latency } = setup(shared);
    expect(feed(verifier, stream(owedLines()), 5000)).toBeNull();
    expect(latency.values).toEqual(OWED.map((seq) => (5000 - shared(batchOf(seq))) * 1000));
    expect(latency.calls).toBe(new Set(OWED.map((seq) => shared(batchOf(seq)))).size);
  });

  test("lines verified before a failure in the same chunk keep their latencies", () => {
    const { verifier, latency } = setup();
    const lines = owedLines();
    lines[3] = lines[3].replace(/\|/, "#");
    expect(feed(verifier, stream(lines))?.kind).toBe("mismatch");
    expect(latency.values).toEqual(OWED.slice(0, 3).map((seq) => (5000 - sentAtOf(batchOf(seq))) * 1000));
  });

  test("a swapped pair of lines is a mismatch at the first of them", () => {
    const lines = owedLines();
    [lines[2], lines[3]] = [lines[3], lines[2]];
    const f = expectMismatch(lines, 2, line(OWED[3]));
    expect(f?.client).toBe(CLIENT);
    expect(f?.user).toBe(WORKLOAD.clientUsers[CLIENT]);
    expect(f?.total).toBe(OWED.length);
  });

  test("a dropped line is a mismatch showing the line after it, with the last three good lines", () => {
    const lines = owedLines();
    lines.splice(5, 1);
    const f = expectMismatch(lines, 5, line(OWED[6]));
    expect(f?.before.length).toBe(3);
  });

  test("a line delivered twice is a mismatch at the repeat", () => {
    const lines = owedLines();
    lines.splice(4, 0, lines[3]);
    expectMismatch(lines, 4, line(OWED[3]));
  });

  test("a line after the last one owed is extra, owed nothing more", () => {
    const { verifier } = setup();
    const f = feed(verifier, stream([...owedLines(), "999|B\r\n", "1000|B\r\n"]));
    expect(f?.kind).toBe("extra");
    expect(f?.verified).toBe(OWED.length);
    expect(f?.expected).toBeNull();
    expect(text(f?.got ?? null)).toBe("999|B\r\n");
    expect(f?.before.map(text)).toEqual(OWED.slice(-3).map(line));
  });

  test("extra bytes arriving in a later chunk are caught too", () => {
    const { verifier } = setup();
    expect(feed(verifier, stream(owedLines()))).toBeNull();
    const f = feed(verifier, encoder.encode("7|"));
    expect(f?.kind).toBe("extra");
    expect(text(f?.got ?? null)).toBe("7|");
  });

  test("CRLF replaced by a bare LF is a mismatch at the LF, and got is the line with a bare LF", () => {
    const lines = owedLines();
    lines[2] = lines[2].replace("\r\n", "\n");
    expectMismatch(lines, 2, lines[2]);
  });

  test("a corrupted byte in a later chunk than its line's start: got has the already-matched prefix", () => {
    const { verifier } = setup();
    const bytes = stream(owedLines());
    const start = stream(owedLines().slice(0, 4)).length;
    const length = WORKLOAD.lineLength[OWED[4]];
    // The byte just before CRLF: the last digit or the type letter, always in the middle of the line.
    const wrong = start + length - 3;
    bytes[wrong] = 0x5a;
    expect(feed(verifier, bytes.subarray(0, start + 1), 5000)).toBeNull();
    expect(verifier.verified).toBe(4);
    const f = feed(verifier, bytes.subarray(start + 1), 5001);
    const corrupted = `${line(OWED[4]).slice(0, length - 3)}Z\r\n`;
    expect(f?.kind).toBe("mismatch");
    expect(f?.verified).toBe(4);
    expect(text(f?.expected ?? null)).toBe(line(OWED[4]));
    expect(text(f?.got ?? null)).toBe(corrupted);
    expect(f?.before.map(text)).toEqual([line(OWED[1]), line(OWED[2]), line(OWED[3])]);
  });

  test("fed byte by byte, a corrupted byte shows the line up to and including it", () => {
    const { verifier } = setup();
    const bytes = stream(owedLines());
    const start = stream(owedLines().slice(0, 6)).length;
    const length = WORKLOAD.lineLength[OWED[6]];
    bytes[start + length - 3] = 0x5a;
    let f = null;
    for (let at = 0; f === null && at < bytes.length; at++) f = feed(verifier, bytes.subarray(at, at + 1));
    expect(f?.kind).toBe("mismatch");
    expect(f?.verified).toBe(6);
    expect(text(f?.got ?? null)).toBe(`${line(OWED[6]).slice(0, length - 3)}Z`);
  });

  test("failure(stalled) and failure(disconnected) say where the client was, with nothing received", () => {
    const { verifier } = setup();
    const stalled = verifier.failure("stalled");
    expect(stalled).toEqual({
      kind: "stalled",
      client: CLIENT,
      user: WORKLOAD.clientUsers[CLIENT],
      verified: 0,
      total: OWED.length,
      complete: true,
      expected: stalled.expected,
      got: null,
      before: [],
    });
    expect(text(stalled.expected)).toBe(line(OWED[0]));
    expect(feed(verifier, stream(owedLines().slice(0, 3)))).toBeNull();
    const disconnected = verifier.failure("disconnected");
    expect(disconnected.kind).toBe("disconnected");
    expect(disconnected.verified).toBe(3);
    expect(text(disconnected.expected)).toBe(line(OWED[3]));
    expect(disconnected.got).toBeNull();
    expect(disconnected.before.map(text)).toEqual(owedLines().slice(0, 3));
  });

  test("a client that has everything and is then disconnected is owed nothing more", () => {
    const { verifier } = setup();
    expect(feed(verifier, stream(owedLines()))).toBeNull();
    const f = verifier.failure("disconnected");
    expect(f.expected).toBeNull();
    expect(f.verified).toBe(OWED.length);
  });

  test("nextSentAt is when the batch of the next owed line was written: NaN if not yet, or when done", () => {
    const { verifier, window } = setup(() => Number.NaN);
    const sentAt = window.buffers.sentAt;
    const slot = (seq: number) => seq & window.eventMask;
    expect(verifier.nextSentAt).toBeNaN();
    sentAt[slot(OWED[0])] = 1234;
    expect(verifier.nextSentAt).toBe(1234);
    const k = 5;
    sentAt[slot(OWED[k])] = 5678;
    expect(feed(verifier, stream(owedLines().slice(0, k)))).toBeNull();
    expect(verifier.nextSentAt).toBe(5678);
    expect(feed(verifier, stream(owedLines().slice(k)))).toBeNull();
    expect(verifier.nextSentAt).toBeNaN();
  });

  describe("over WebSocket, one message per line without its CRLF", () => {
    const message = (line: string) => encoder.encode(line.replace(/\r\n$/, ""));

    test("the expected lines, one message each, pass", () => {
      const { verifier, latency } = setup();
      for (const line of owedLines()) expect(verifier.receiveMessage(message(line), 5000)).toBeNull();
      expect(verifier.done).toBe(true);
      expect(latency.count).toBe(OWED.length);
    });

    test("two lines in one message is a mismatch, although the bytes are right", () => {
      const { verifier } = setup();
      const [a, b] = owedLines();
      const f = verifier.receiveMessage(message(`${a}${b}`), 5000);
      expect(f?.kind).toBe("mismatch");
    });

    test("a message that keeps its CRLF, or is cut short, is a mismatch", () => {
      const [first] = owedLines();
      expect(setup().verifier.receiveMessage(encoder.encode(first), 5000)?.kind).toBe("mismatch");
      expect(setup().verifier.receiveMessage(message(first).subarray(0, 2), 5000)?.kind).toBe("mismatch");
    });
  });
});
