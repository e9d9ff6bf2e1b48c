/**
 * Deterministic data for the micro-benchmarks: a seeded PRNG and a generator
 * of realistic Follower Maze event streams (mixed types, unfollows that mostly
 * remove real edges, arrival order shuffled within batches).
 */

import { mulberry32 } from "../support/prng.ts";

// The project's seeded PRNG (mulberry32), shared with the tests.
export { mulberry32 };

/** Integer in [0, n). */
export function randInt(rand: () => number, n: number): number {
  return Math.floor(rand() * n);
}

/**
 * A user id in 1 … users, skewed towards low ids (P(id ≤ k) = √(k/users)), so
 * a few users are popular and most have few followers: a heavy-tailed degree
 * distribution like a real social graph.
 */
export function skewedUser(rand: () => number, users: number): number {
  const r = rand();
  return 1 + Math.floor(users * r * r);
}

/** A uniformly random user id in 1 … users. */
export function uniformUser(rand: () => number, users: number): number {
  return 1 + randInt(rand, users);
}

export function shuffleInPlace<T>(rand: () => number, items: T[], start = 0, end = items.length): void {
  for (let i = end - 1; i > start; i--) {
    const j = start + randInt(rand, i - start + 1);
    const t = items[i];
    items[i] = items[j];
    items[j] = t;
  }
}

export interface EventMix {
  F: number;
  U: number;
  P: number;
  S: number;
  B: number;
}

/** The mix of the benchmarks: F 22 %, U 18 %, P 30 %, S 28 %, B 2 %. */
export const DEFAULT_MIX: EventMix = { F: 0.22, U: 0.18, P: 0.3, S: 0.28, B: 0.02 };

export interface StreamSpec {
  events: number;
  users: number;
  seed?: number;
  /** Arrival order is shuffled within consecutive batches of this many events. */
  batch?: number;
  mix?: EventMix;
  /** Share of unfollows that remove an edge that exists at that point of the stream. */
  unfollowExisting?: number;
  firstSeq?: number;
}

/**
 * Event lines (no terminator) in arrival order. Sequence numbers run
 * firstSeq … firstSeq + events − 1 without gaps; the graph is simulated in
 * sequence order so that unfollows really do hit existing edges.
 */
export function generateEventLines(spec: StreamSpec): string[] {
  const rand = mulberry32(spec.seed ?? 0x5eed);
  const users = spec.users;
  const mix = spec.mix ?? DEFAULT_MIX;
  const unfollowExisting = spec.unfollowExisting ?? 0.9;
  const batch = spec.batch ?? 100;
  const firstSeq = spec.firstSeq ?? 1;

  const cF = mix.F;
  const cU = cF + mix.U;
  const cP = cU + mix.P;
  const cS = cP + mix.S;

  // Live edges, for picking a real one to unfollow: array + key → position.
  const edgeFrom: number[] = [];
  const edgeTo: number[] = [];
  const position = new Map<number, number>();
  const keyOf = (from: number, to: number) => from * (users + 1) + to;

  const lines: string[] = new Array(spec.events);
  for (let n = 0; n < spec.events; n++) {
    const seq = firstSeq + n;
    const r = rand();
    let line: string;
    if (r < cF) {
      const from = uniformUser(rand, users);
      const to = skewedUser(rand, users);
      const key = keyOf(from, to);
      if (!position.has(key)) {
        position.set(key, edgeFrom.length);
        edgeFrom.push(from);
        edgeTo.push(to);
      }
      line = `${seq}|F|${from}|${to}`;
    } else if (r < cU) {
      let from: number;
      let to: number;
      if (edgeFrom.length > 0 && rand() < unfollowExisting) {
        const i = randInt(rand, edgeFrom.length);
        from = edgeFrom[i];
        to = edgeTo[i];
        // Swap-remove edge i.
        const last = edgeFrom.length - 1;
        position.delete(keyOf(from, to));
        if (i !== last) {
          edgeFrom[i] = edgeFrom[last];
          edgeTo[i] = edgeTo[last];
          position.set(keyOf(edgeFrom[i], edgeTo[i]), i);
        }
        edgeFrom.pop();
        edgeTo.pop();
      } else {
        from = uniformUser(rand, users);
        to = uniformUser(rand, users);
        const key = keyOf(from, to);
        const i = position.get(key);
        if (i !== undefined) {
          // Rare: the "random" unfollow hit a live edge; keep the model in step.
          const last = edgeFrom.length - 1;
          position.delete(key);
          if (i !== last) {
            edgeFrom[i] = edgeFrom[last];
            edgeTo[i] = edgeTo[last];
            position.set(keyOf(edgeFrom[i], edgeTo[i]), i);
          }
          edgeFrom.pop();
          edgeTo.pop();
        }
      }
      line = `${seq}|U|${from}|${to}`;
    } else if (r < cP) {
      line = `${seq}|P|${uniformUser(rand, users)}|${uniformUser(rand, users)}`;
    } else if (r < cS) {
      line = `${seq}|S|${uniformUser(rand, users)}`;
    } else {
      line = `${seq}|B`;
    }
    lines[n] = line;
  }

  for (let start = 0; start < lines.length; start += batch) {
    shuffleInPlace(rand, lines, start, Math.min(lines.length, start + batch));
  }
  return lines;
}

/** The lines as wire bytes, each followed by CRLF. */
export function encodeLines(lines: string[]): Uint8Array {
  return new TextEncoder().encode(lines.length === 0 ? "" : `${lines.join("\r\n")}\r\n`);
}

/**
 * Splits a stream into reads of `size` bytes. Each read is its own copy, as
 * socket reads are (the engine may keep references to them).
 */
export function splitReads(bytes: Uint8Array, size: number): Uint8Array[] {
  const reads: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) reads.push(bytes.slice(i, Math.min(bytes.length, i + size)));
  return reads;
}

/**
 * Exactly `total` bytes of the lines, CRLF-terminated, ending on a line
 * boundary: the last line is a broadcast whose sequence number is zero-padded
 * (leading zeros are legal) to fill the space. Lets a benchmark cycle over a
 * pool of full-size reads without ever gluing two half-lines together.
 */
export function exactBytes(lines: string[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  const encoder = new TextEncoder();
  const reserve = 32;
  let pos = 0;
  let i = 0;
  for (; i < lines.length; i++) {
    const line = `${lines[i]}\r\n`;
    if (total - pos - line.length < reserve) break;
    pos += encoder.encodeInto(line, out.subarray(pos)).written;
  }
  if (i === lines.length) throw new Error(`exactBytes: ${lines.length} lines do not fill ${total} bytes`);
  const seq = String(lines.length + 1);
  const tail = "|B\r\n";
  const padded = "0".repeat(total - pos - seq.length - tail.length) + seq + tail;
  encoder.encodeInto(padded, out.subarray(pos));
  return out;
}
