import { type EventMix, EventStream, TYPE_CODES } from "./event-stream.ts";
import { ByteBuilder, DECIMAL_SPILL, Int32Builder, writeDecimal } from "./growable.ts";
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
   * changing any client's stream: a repeat of an event already sent (at most
   * REPEAT_REACH sequence numbers back), a malformed line reusing an
   * already-delivered sequence number, unreadable junk, or a line over the
   * default --max-line-bytes.
   */
  noise?: number;
}

/**
 * One batch of the run as it is sent, valid until the next call to
 * {@link WorkloadGenerator.next}: events first … last, shuffled, with any
 * noise lines among them. Event 1 is always a broadcast sent alone (batch
 * 0): once every client has it, every client is known to be registered.
 */
export interface Batch {
  first: number;
  last: number;
  /** Every line of the batch, CRLF-terminated, in the order it is sent: the first `byteLength` bytes. */
  bytes: Uint8Array;
  byteLength: number;
  /** By event (seq − first): where its line starts in `bytes`, and its length with CRLF. */
  lineStart: Int32Array;
  lineLength: Uint8Array;
  /** By event: how many clients it notifies, or BROADCAST for every one. */
  fanout: Int32Array;
  /** The clients (indexes into clientUsers) each non-broadcast event notifies, event after event, in sequence order: the first `recipientCount`. */
  recipients: Int32Array;
  recipientCount: number;
  /** Notifications the batch owes, broadcasts included. */
  notifications: number;
}

/** Fan-out of an event that notifies every client. */
export const BROADCAST = -1;
/** How far back a repeated line may reach: a fixed constant, so a seed means the same run whatever the simulator keeps in memory. */
export const REPEAT_REACH = 1 << 16;

/** Lines of noise that are not events (see WorkloadOptions.noise). */
const JUNK = ["junk", "|B", "-5|B", "x|P|1|2", "", "1e3|B", " 7|B"];
/** Longer than the default --max-line-bytes (1024). */
const OVERSIZED_PADDING = 1100;
const PIPE = 0x7c;
/** "\r\n" as a little-endian uint16. */
const CRLF = 0x0a0d;
/** What writing an event's line needs: the line at its longest (three 10-digit numbers, three pipes, the type and CRLF), and what writeDecimal spills past it. */
const LINE_ROOM = 36 + DECIMAL_SPILL;

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

/**
 * A whole run, one batch at a time, in the order it is sent, so memory does
 * not grow with the number of events: each event with its line and the
 * clients it notifies, which a correct server must send them in sequence
 * order. The same rng seed generates the same run.
 */
export class WorkloadGenerator {
  readonly clientUsers: Int32Array;
  /** Notifications generated so far, broadcasts included. */
  notifications = 0;
  private readonly clientOf: Int32Array;
  private readonly stream: EventStream;
  private readonly out: ByteBuilder;
  private readonly lineStart: Int32Array;
  private readonly lineLength: Uint8Array;
  private readonly fanout: Int32Array;
  private readonly recipients = new Int32Builder(1024);
  /** The batch's sequence numbers in the order they are sent. */
  private readonly order: Int32Array;
  /** The last events' fields by seq & historyMask, so a repeat can re-encode its line. */
  private readonly historyMask: number;
  private readonly historyType: Uint8Array;
  private readonly historyFrom: Int32Array;
  private readonly historyTo: Int32Array;

  constructor(
    private readonly rng: Prng,
    private readonly o: WorkloadOptions,
  ) {
    this.clientUsers = pickClients(rng, o.users, o.clients);
    this.clientOf = new Int32Array(o.users + 1).fill(-1);
    this.clientUsers.forEach((user, client) => {
      this.clientOf[user] = client;
    });
    this.stream = new EventStream(rng, { users: o.users, mix: o.mix, degree: o.degree, skew: o.skew });
    this.order = new Int32Array(o.maxBatch);
    this.out = new ByteBuilder(o.maxBatch * 48);
    this.lineStart = new Int32Array(o.maxBatch);
    this.lineLength = new Uint8Array(o.maxBatch);
    this.fanout = new Int32Array(o.maxBatch);
    const history = 2 ** Math.ceil(Math.log2(REPEAT_REACH + o.maxBatch));
    this.historyMask = history - 1;
    this.historyType = new Uint8Array(history);
    this.historyFrom = new Int32Array(history);
    this.historyTo = new Int32Array(history);
  }

  get events(): number {
    return this.o.events;
  }

  /** Every event has been generated. */
  get done(): boolean {
    return this.stream.seq === this.o.events;
  }

  /** The next batch (see Batch), or null once every event has been generated. */
  next(): Batch | null {
    const { stream, o } = this;
    if (this.done) return null;
    const first = stream.seq + 1;
    this.recipients.length = 0;
    const notificationsBefore = this.notifications;
    if (first === 1) {
      this.event(TYPE_CODES.B, 0);
    } else {
      const size = Math.min(o.fixedBatches ? o.maxBatch : this.rng.range(1, o.maxBatch), o.events - stream.seq);
      for (let k = 0; k < size; k++) this.event(undefined, k);
    }
    this.shuffle(first);
    // Whole buffers and lengths: a subarray per batch costs more than generating a small one.
    return {
      first,
      last: stream.seq,
      bytes: this.out.buffer,
      byteLength: this.out.length,
      lineStart: this.lineStart,
      lineLength: this.lineLength,
      fanout: this.fanout,
      recipients: this.recipients.buffer,
      recipientCount: this.recipients.length,
      notifications: this.notifications - notificationsBefore,
    };
  }

  private event(code: number | undefined, k: number): void {
    const stream = this.stream;
    stream.next(code);
    const seq = stream.seq;
    const at = seq & this.historyMask;
    this.historyType[at] = stream.code;
    this.historyFrom[at] = stream.from;
    this.historyTo[at] = stream.to;
    const recipientsBefore = this.recipients.length;
    switch (stream.code) {
      case TYPE_CODES.F:
      case TYPE_CODES.P:
        this.notify(stream.to);
        break;
      case TYPE_CODES.S: {
        const followers = stream.followers(stream.from);
        const { clientOf, recipients } = this;
        const into = recipients.reserve(followers.length);
        let count = recipients.length;
        // Each follower's client index is stored and only a client (not −1) advances the count: cheaper than a branch on
        // which followers are clients, which is random.
        for (let i = 0; i < followers.length; i++) {
          const client = clientOf[followers[i] as number] as number;
          into[count] = client;
          count += ~client >>> 31;
        }
        recipients.length = count;
        break;
      }
    }
    if (stream.code === TYPE_CODES.B) {
      this.fanout[k] = BROADCAST;
      this.notifications += this.clientUsers.length;
    } else {
      this.fanout[k] = this.recipients.length - recipientsBefore;
      this.notifications += this.fanout[k] as number;
    }
  }

  private notify(user: number): void {
    const client = this.clientOf[user] as number;
    if (client >= 0) this.recipients.push(client);
  }

  /** Writes event `seq`'s line, from the history (it must be at most REPEAT_REACH + maxBatch back), into `into` at `at`, which has LINE_ROOM; returns where it ends. */
  private encode(into: DataView, at: number, seq: number): number {
    const slot = seq & this.historyMask;
    const code = this.historyType[slot] as number;
    let p = writeDecimal(into, at, seq);
    // "|type|" in one store; a broadcast has no ids, so only its "|B" stays.
    into.setUint32(p, PIPE | (code << 8) | (PIPE << 16), true);
    if (code === TYPE_CODES.B) {
      p += 2;
    } else {
      p = writeDecimal(into, p + 3, this.historyFrom[slot] as number);
      // Every type but S and B names both users.
      if (code !== TYPE_CODES.S) {
        into.setUint8(p, PIPE);
        p = writeDecimal(into, p + 1, this.historyTo[slot] as number);
      }
    }
    into.setUint16(p, CRLF, true);
    return p + 2;
  }

  /** Lays the generated batch out shuffled (Fisher–Yates, as Prng.shuffle draws), with noise after some lines. */
  private shuffle(first: number): void {
    const { order, out, rng } = this;
    const n = this.stream.seq - first + 1;
    for (let k = 0; k < n; k++) order[k] = first + k;
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const t = order[i] as number;
      order[i] = order[j] as number;
      order[j] = t;
    }
    out.length = 0;
    const { lineStart, lineLength } = this;
    const noise = this.o.noise ?? 0;
    for (let k = 0; k < n; k++) {
      const i = (order[k] as number) - first;
      const start = out.length;
      out.length = this.encode(out.reserve(LINE_ROOM), start, first + i);
      lineStart[i] = start;
      lineLength[i] = out.length - start;
      if (noise > 0 && rng.chance(noise)) this.noise(first, k);
    }
  }

  /** Every event before `first` has arrived, so reusing such a number is a duplicate, never a placeholder. */
  private noise(first: number, sentInBatch: number): void {
    const { rng, out } = this;
    switch (rng.int(4)) {
      case 0: {
        const seq = first > 1 && rng.chance(0.5) ? rng.range(Math.max(1, first - REPEAT_REACH), first - 1) : (this.order[rng.int(sentInBatch + 1)] as number);
        out.length = this.encode(out.reserve(LINE_ROOM), out.length, seq);
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
  }
}
