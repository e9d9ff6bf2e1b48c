import { Prng } from "../support/prng.ts";
import { StreamDigest } from "./digest.ts";

export interface WorkloadOptions {
  events: number;
  users: number;
  /** Connected clients, each a distinct user. */
  clients: number;
  /** Events are sent in batches of 1 … maxBatch, shuffled within each batch. */
  maxBatch: number;
  seed: number;
  /** Average number of users a user follows before follows stop adding edges. */
  degree: number;
}

/** Percent of each event type, in the order F, U, P, S, B. */
const MIX = [25, 15, 30, 29, 1];

export interface Workload {
  /** The event stream as the bytes to write: first event 1 alone (a broadcast), then the rest in 1 MiB pieces. */
  stream: Uint8Array[];
  /** User id of each client connection. */
  clientUsers: number[];
  /** What each client must receive, byte for byte. */
  expected: StreamDigest[];
  notifications: number;
  streamBytes: number;
}

const PIECE = 1 << 20;
const CRLF = [13, 10];

/**
 * Generates a seeded, realistic event stream and, by applying it in order to
 * a plain model of the follower graph, the exact bytes every client must get.
 * Generation is not timed; only sending and receiving are.
 */
export function generateWorkload(o: WorkloadOptions): Workload {
  const rng = new Prng(o.seed);
  const clientUsers = rng.shuffle(Array.from({ length: o.users }, (_, i) => i + 1)).slice(0, o.clients);
  const clientOf = new Map(clientUsers.map((user, i) => [user, i]));
  const expected = clientUsers.map(() => new StreamDigest());

  const followers: number[][] = Array.from({ length: o.users + 1 }, () => []);
  const edgeAt = new Map<number, number>();
  let edges = 0;
  const edgeKey = (follower: number, followee: number) => follower * (o.users + 1) + followee;
  const maxEdges = o.users * o.degree;

  const stream: Uint8Array[] = [];
  let piece = new Uint8Array(PIECE);
  let at = 0;
  let streamBytes = 0;
  let notifications = 0;

  const batch = new Uint8Array(o.maxBatch * 48);
  const lineStart = new Int32Array(o.maxBatch + 1);
  const order: number[] = [];
  const encoder = new TextEncoder();

  const notify = (user: number, line: Uint8Array) => {
    const client = clientOf.get(user);
    if (client === undefined) return;
    const digest = expected[client] as StreamDigest;
    digest.update(line);
    digest.update(CRLF_BYTES);
    notifications++;
  };

  for (let seq = 1; seq <= o.events; ) {
    // Event 1 goes alone: the runner sends it first, as a barrier proving every client is registered.
    const size = seq === 1 ? 1 : Math.min(rng.range(1, o.maxBatch), o.events - seq + 1);
    let used = 0;
    for (let k = 0; k < size; k++, seq++) {
      const line = encoder.encode(nextEvent(seq));
      batch.set(line, used);
      lineStart[k] = used;
      used += line.length;
    }
    lineStart[size] = used;
    order.length = 0;
    for (let k = 0; k < size; k++) order.push(k);
    rng.shuffle(order);
    for (const k of order) {
      const start = lineStart[k] as number;
      const end = lineStart[k + 1] as number;
      if (at + end - start + 2 > PIECE) {
        stream.push(piece.subarray(0, at));
        piece = new Uint8Array(PIECE);
        at = 0;
      }
      piece.set(batch.subarray(start, end), at);
      at += end - start;
      piece[at++] = 13;
      piece[at++] = 10;
      streamBytes += end - start + 2;
    }
    if (seq === 2) {
      stream.push(piece.subarray(0, at));
      piece = new Uint8Array(PIECE);
      at = 0;
    }
  }
  if (at > 0) stream.push(piece.subarray(0, at));
  return { stream, clientUsers, expected, notifications, streamBytes };

  function user(): number {
    return rng.range(1, o.users);
  }

  function nextEvent(seq: number): string {
    let roll = rng.int(100);
    let type = 0;
    while (roll >= (MIX[type] as number)) roll -= MIX[type++] as number;
    if (seq === 1) type = 4;
    let line: string;
    switch (type) {
      case 0: {
        let from = user();
        let to = user();
        if (edges >= maxEdges) {
          // Saturated: re-follow an existing edge so the graph stops growing.
          const list = followers[to] as number[];
          if (list.length > 0) from = list[rng.int(list.length)] as number;
        }
        if (!edgeAt.has(edgeKey(from, to))) {
          edgeAt.set(edgeKey(from, to), (followers[to] as number[]).length);
          (followers[to] as number[]).push(from);
          edges++;
        }
        line = `${seq}|F|${from}|${to}`;
        notify(to, encoder.encode(line));
        return line;
      }
      case 1: {
        // Mostly remove an edge that exists, as real unfollows do.
        const to = user();
        const list = followers[to] as number[];
        const from = list.length > 0 && rng.chance(0.9) ? (list[rng.int(list.length)] as number) : user();
        const key = edgeKey(from, to);
        const position = edgeAt.get(key);
        if (position !== undefined) {
          const last = list.pop() as number;
          if (position < list.length) {
            list[position] = last;
            edgeAt.set(edgeKey(last, to), position);
          }
          edgeAt.delete(key);
          edges--;
        }
        return `${seq}|U|${from}|${to}`;
      }
      case 2: {
        const to = user();
        line = `${seq}|P|${user()}|${to}`;
        notify(to, encoder.encode(line));
        return line;
      }
      case 3: {
        const from = user();
        line = `${seq}|S|${from}`;
        const bytes = encoder.encode(line);
        for (const follower of followers[from] as number[]) notify(follower, bytes);
        return line;
      }
      default: {
        line = `${seq}|B`;
        const bytes = encoder.encode(line);
        for (const client of clientUsers) notify(client, bytes);
        return line;
      }
    }
  }
}

const CRLF_BYTES = new Uint8Array(CRLF);
