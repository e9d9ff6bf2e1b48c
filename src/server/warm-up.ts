import { Engine, type EngineObserver } from "../engine/engine.ts";
import { Histogram } from "../metrics/histogram.ts";
import { DELIVERY_LATENCY } from "../metrics/server-metrics.ts";
import type { OrderedEvents } from "../pipeline/ordered-events.ts";
import { CR, LF } from "../protocol/ascii.ts";
import { LineFramer } from "../protocol/line-framer.ts";
import { type ClientTransport, FanOut } from "../routing/fan-out.ts";

/** Enough events for JSC to compile the hot path at its top tier, few enough to cost about a tenth of a second. */
const EVENTS = 200_000;
const USERS = 1000;
const CLIENTS = 100;
const MAX_BATCH = 100;
/** Follows an unfollow picks from. */
const RECENT_FOLLOWS = 256;
/** The bounds only bound: the lines are short and the clients take everything, so the server's own settings need not apply. */
const LINE_BYTES = 64;
const CLIENT_BUFFER = 4 * 1024 * 1024;
const [F, U, P, S, B] = [..."FUPSB"].map((c) => c.charCodeAt(0)) as [number, number, number, number, number];

const QUIET: EngineObserver = { malformed() {}, oversized() {}, duplicate() {}, gapSkipped() {} };
/** A client that takes everything at once, as a socket with room does. */
const TAKES_ALL: ClientTransport = { write: (_data, _offset, length) => length, tooSlow() {} };

/** What the warm-up ran, so a test can tell it took the paths real traffic takes (no line malformed). */
export interface WarmUpReport {
  applied: number;
  malformed: number;
  notifications: number;
}

/**
 * Which way a role's events reach its fan-out: `serve` and the sequencer
 * frame, parse and reorder what sources send (the engine); an edge parses
 * lines the stream already holds in order (FanOut.pushLines).
 */
export type WarmUpPath = "engine" | "ordered-lines";

export interface WarmUpOptions {
  /** Default "engine". */
  path?: WarmUpPath;
  /** The engine's sink instead of the fan-out: the sequencer's appender. */
  sink?: OrderedEvents;
  /** Whether the engine times deliveries, as serve's does (the default); the sequencer's does not. */
  timed?: boolean;
}

/**
 * Runs a synthetic stream through a throwaway copy of the process's pipeline
 * (framer, engine and reorder buffer, or the in-order line parser; fan-out,
 * outboxes), with the field separator, before the process listens; the
 * sequencer gives the engine its own sink instead of the fan-out. JSC
 * compiles functions only once they have run often: without this, the first
 * seconds of real traffic run in the interpreter and lower tiers, with the
 * compiler threads competing for the CPU, and they set the latency tail of a
 * short run (measured: 63% of the slowest 1% of notifications of a 10 s run
 * at 20,000 events/s fell in its first second; in a cluster, 29 of the
 * slowest 33 entries). Nothing of it is kept: the pipeline is garbage afterwards.
 */
export function warmUp(delimiter: number, { path = "engine", sink, timed = true }: WarmUpOptions = {}): WarmUpReport {
  const fanOut = new FanOut<ClientTransport>({ maxClientBuffer: CLIENT_BUFFER, delimiter, maxLineBytes: LINE_BYTES });
  // Untimed, the engine takes its own default timing, as the sequencer's does.
  const timing = timed ? { clock: () => performance.now(), latency: new Histogram(DELIVERY_LATENCY.buckets) } : undefined;
  const engine = new Engine({ delimiter, startSeq: 1, maxPending: MAX_BATCH }, sink ?? fanOut, QUIET, timing);
  const framer = new LineFramer(LINE_BYTES, engine);
  let state = 1;
  // A small linear congruential generator: deterministic and allocation-free.
  const random = (n: number) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % n;
  };
  for (let client = 0; client < CLIENTS; client++) fanOut.connect(1 + random(USERS), TAKES_ALL);
  // One batch, written into one reused buffer: the warm-up makes no garbage per event.
  const chunk = new Uint8Array(MAX_BATCH * 32);
  const order = new Int32Array(MAX_BATCH);
  // Unfollows undo recent follows, as real ones do: random pairs would almost never be followed, and the
  // table's removal path would first run (and have its compiled code thrown away) in real traffic.
  const followed = new Int32Array(2 * RECENT_FOLLOWS);
  let follows = 0;
  for (let seq = 1; seq <= EVENTS; ) {
    const size = Math.min(1 + random(MAX_BATCH), EVENTS - seq + 1);
    for (let i = 0; i < size; i++) order[i] = seq + i;
    // Shuffled within the batch, as sources send them, so the reorder path runs too.
    for (let i = size - 1; path === "engine" && i > 0; i--) {
      const j = random(i + 1);
      const t = order[i] as number;
      order[i] = order[j] as number;
      order[j] = t;
    }
    let end = 0;
    for (let i = 0; i < size; i++) {
      const kind = kindOf(random(100));
      let from = 1 + random(USERS);
      let to = 1 + random(USERS);
      if (kind === F) {
        const at = 2 * (follows++ % RECENT_FOLLOWS);
        followed[at] = from;
        followed[at + 1] = to;
      } else if (kind === U && follows > 0) {
        const at = 2 * random(Math.min(follows, RECENT_FOLLOWS));
        from = followed[at] as number;
        to = followed[at + 1] as number;
      }
      end = writeEvent(chunk, end, order[i] as number, kind, from, to, delimiter);
    }
    seq += size;
    if (path === "engine") {
      engine.read(framer, chunk.subarray(0, end));
    } else {
      fanOut.pushLines(chunk.subarray(0, end));
      fanOut.flush();
    }
  }
  const c = engine.counters;
  return path === "engine"
    ? { applied: c.applied, malformed: c.malformed, notifications: fanOut.notifications }
    : { applied: fanOut.pushedEvents, malformed: EVENTS - fanOut.pushedEvents, notifications: fanOut.notifications };
}

/** The original harness's mix, picked by `percent` (0…99). */
function kindOf(percent: number): number {
  return percent < 25 ? F : percent < 40 ? U : percent < 70 ? P : percent < 99 ? S : B;
}

/** Writes an event line at `at`; returns where it ends. */
function writeEvent(buf: Uint8Array, at: number, seq: number, kind: number, from: number, to: number, delimiter: number): number {
  let end = writeNumber(buf, at, seq);
  buf[end++] = delimiter;
  buf[end++] = kind;
  if (kind !== B) {
    buf[end++] = delimiter;
    end = writeNumber(buf, end, from);
  }
  if (kind === F || kind === U || kind === P) {
    buf[end++] = delimiter;
    end = writeNumber(buf, end, to);
  }
  buf[end++] = CR;
  buf[end++] = LF;
  return end;
}

function writeNumber(buf: Uint8Array, at: number, n: number): number {
  let digits = 1;
  for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  for (let i = digits - 1, rest = n; i >= 0; i--, rest = Math.floor(rest / 10)) buf[at + i] = 48 + (rest % 10);
  return at + digits;
}
