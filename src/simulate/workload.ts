import { type EventMix, EventStream, type EventType } from "./event-stream.ts";
import { ByteBuilder, Int32Builder } from "./growable.ts";
import type { Prng } from "./prng.ts";

export interface WorkloadOptions {
  /** Sequence numbers 1 … events. */
  events: number;
  /** User ids 1 … users. */
  users: number;
  /** Connected clients, each a distinct user. */
  clients: number;
  /** Events are sent in batches of 1 … maxBatch (exactly maxBatch with `fixedBatches`), shuffled within each batch. */
  maxBatch: number;
  fixedBatches?: boolean;
  mix: EventMix;
  /** Average number of users a user follows before follows stop adding edges. */
  degree: number;
  /** Popular followees (see skewedUser) rather than uniform ones. */
  skew?: boolean;
  /**
   * Share of events followed by a line a correct server drops without
   * changing any client's stream: a repeat of an event already sent, a
   * malformed line reusing an already-delivered sequence number, unreadable
   * junk, or a line over the default --max-line-bytes.
   */
  noise?: number;
}

/**
 * A whole run, generated before any byte is sent so generation never slows
 * the measurement: the event stream in arrival order, where each event's line
 * is in it, and the sequence numbers each client must receive, in order.
 * Event 1 is always a broadcast sent alone (batch 0): once every client has
 * it, every client is known to be registered. Every array is in shared
 * memory, for the simulator's client threads.
 */
export interface Workload {
  readonly events: number;
  /** Every line, CRLF-terminated, in the order it is sent. */
  readonly bytes: Uint8Array;
  /** By sequence number: where the event's line starts in `bytes`, and its length with CRLF. */
  readonly lineStart: Uint32Array;
  readonly lineLength: Uint8Array;
  /** Batch k holds sequence numbers batchFirst[k] … batchFirst[k + 1] − 1; one extra entry closes the last. */
  readonly batchFirst: Int32Array;
  /** Batch k ends at this offset of `bytes` (its noise lines included). */
  readonly batchEnd: Int32Array;
  /** By client: its user id, and the sequence numbers it must be sent, in order. */
  readonly clientUsers: Int32Array;
  readonly expected: Int32Array[];
  readonly notifications: number;
}

/** Lines of noise that are not events (see WorkloadOptions.noise). */
const JUNK = ["junk", "|B", "-5|B", "x|P|1|2", "", "1e3|B", " 7|B"];
/** Longer than the default --max-line-bytes (1024). */
const OVERSIZED_PADDING = 1100;
const CODES: Record<EventType, number> = { F: 0x46, U: 0x55, P: 0x50, S: 0x53, B: 0x42 };
const PIPE = 0x7c;

/**
 * The user ids of `clients` distinct clients among users 1 … users: the first
 * thing a workload draws from `rng`, so a run can connect its clients before
 * generating the rest from the same seed.
 */
export function pickClients(rng: Prng, users: number, clients: number): Int32Array {
  if (clients > users) throw new Error(`${clients} clients need at least as many users, not ${users}`);
  const chosen = rng.shuffle(Array.from({ length: users }, (_, i) => i + 1)).slice(0, clients);
  const shared = new Int32Array(new SharedArrayBuffer(clients * Int32Array.BYTES_PER_ELEMENT));
  shared.set(chosen);
  return shared;
}

export function generateWorkload(rng: Prng, o: WorkloadOptions): Workload {
  const clientUsers = pickClients(rng, o.users, o.clients);
  const clientOf = new Int32Array(o.users + 1).fill(-1);
  for (const [client, user] of clientUsers.entries()) clientOf[user] = client;
  const expected = Array.from(clientUsers, () => new Int32Builder());
  let notifications = 0;
  const notify = (user: number, seq: number): void => {
    const client = clientOf[user];
    if (client < 0) return;
    expected[client].push(seq);
    notifications++;
  };

  const stream = new EventStream(rng, { users: o.users, mix: o.mix, degree: o.degree, skew: o.skew });
  const out = new ByteBuilder(o.events * 20);
  const lineStart = new Uint32Array(new SharedArrayBuffer((o.events + 1) * Uint32Array.BYTES_PER_ELEMENT));
  const lineLength = new Uint8Array(new SharedArrayBuffer(o.events + 1));
  const batches = Math.ceil(o.events / Math.max(1, o.maxBatch / 2)) + 2;
  const batchFirst = new Int32Builder(batches);
  const batchEnd = new Int32Builder(batches);
  /** One batch's lines before shuffling, and the shuffled order. */
  const scratch = new ByteBuilder(o.maxBatch * 40);
  const order: number[] = [];

  const event = (type?: EventType): void => {
    stream.next(type);
    const seq = stream.seq;
    const start = scratch.length;
    scratch.decimal(seq);
    scratch.byte(PIPE);
    scratch.byte(CODES[stream.type]);
    if (stream.type !== "B") {
      scratch.byte(PIPE);
      scratch.decimal(stream.from);
    }
    if (stream.type === "F" || stream.type === "U" || stream.type === "P") {
      scratch.byte(PIPE);
      scratch.decimal(stream.to);
    }
    scratch.byte(0x0d);
    scratch.byte(0x0a);
    // Where the line sits in `scratch` until `flush` moves it into the stream and records where it landed.
    lineStart[seq] = start;
    lineLength[seq] = scratch.length - start;
    switch (stream.type) {
      case "F":
      case "P":
        notify(stream.to, seq);
        break;
      case "S":
        for (const follower of stream.followers(stream.from)) notify(follower, seq);
        break;
      case "B":
        for (const user of clientUsers) notify(user, seq);
        break;
    }
  };

  /** Appends one generated batch to the stream, shuffled, with noise after some lines. */
  const flush = (first: number): void => {
    const last = stream.seq;
    order.length = 0;
    for (let seq = first; seq <= last; seq++) order.push(seq);
    rng.shuffle(order);
    const block = scratch.view();
    for (let k = 0; k < order.length; k++) {
      const seq = order[k] as number;
      const from = lineStart[seq];
      lineStart[seq] = out.length;
      out.bytes(block, from, from + lineLength[seq]);
      if (o.noise && rng.chance(o.noise)) noise(first, k);
    }
    scratch.length = 0;
    batchFirst.push(first);
    batchEnd.push(out.length);
  };

  /** Every event before `first` has arrived, so reusing such a number is a duplicate, never a placeholder. */
  const noise = (first: number, sentInBatch: number): void => {
    switch (rng.int(4)) {
      case 0: {
        const seq = first > 1 && rng.chance(0.5) ? rng.range(1, first - 1) : (order[rng.int(sentInBatch + 1)] as number);
        out.bytes(out.view(), lineStart[seq], lineStart[seq] + lineLength[seq]);
        return;
      }
      case 1:
        out.ascii(first > 1 ? `${rng.range(1, first - 1)}|X|1|2\r\n` : "junk\r\n");
        return;
      case 2:
        out.ascii(`${rng.pick(JUNK)}\r\n`);
        return;
      default:
        out.ascii(`${first}|B|${"9".repeat(OVERSIZED_PADDING)}\r\n`);
    }
  };

  event("B");
  flush(1);
  while (stream.seq < o.events) {
    const first = stream.seq + 1;
    const size = Math.min(o.fixedBatches ? o.maxBatch : rng.range(1, o.maxBatch), o.events - stream.seq);
    for (let k = 0; k < size; k++) event();
    flush(first);
  }
  batchFirst.push(o.events + 1);

  return {
    events: o.events,
    bytes: out.finish(),
    lineStart,
    lineLength,
    batchFirst: batchFirst.finish(),
    batchEnd: batchEnd.finish(),
    clientUsers,
    expected: expected.map((list) => list.finish()),
    notifications,
  };
}
