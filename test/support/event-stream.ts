/**
 * Realistic, seeded Follower Maze event streams, shared by the load run and
 * the micro-benchmarks so both measure the same kind of traffic: a mix of
 * event types over a follower graph that is modelled while generating, so
 * unfollows mostly remove edges that exist, and arrival order shuffled within
 * batches, as a real event source delivers it.
 */
import type { Prng } from "./prng.ts";

export type EventType = "F" | "U" | "P" | "S" | "B";

/** Whole percents of each event type, summing to 100. */
export type EventMix = Record<EventType, number>;

const TYPES: readonly EventType[] = ["F", "U", "P", "S", "B"];

/** Share of unfollows that pick an edge that exists; the rest are random pairs, as clients sometimes send. */
const UNFOLLOW_EXISTING = 0.9;

export interface EventStreamOptions {
  users: number;
  mix: EventMix;
  /** Average number of users a user follows before follows stop adding edges; unlimited if absent. */
  degree?: number;
  /** Draw followees with {@link skewedUser} rather than uniformly. */
  skew?: boolean;
}

/**
 * A user id in 1 … users, skewed towards low ids (P(id ≤ k) = √(k/users)), so
 * a few users are popular and most have few followers: a heavy-tailed degree
 * distribution like a real social graph.
 */
export function skewedUser(rng: Prng, users: number): number {
  const r = rng.next();
  return 1 + Math.floor(users * r * r);
}

/**
 * Events in sequence order, each applied to the follower graph as it is
 * generated. The fields describe the event {@link next} returned last (`from`
 * and `to` as far as its type has them), so an observer can work out who it
 * notifies.
 */
export class EventStream {
  seq = 0;
  type: EventType = "B";
  from = 0;
  to = 0;

  /** Percent → type, so a mix is one draw and a lookup. */
  private readonly table: EventType[];
  /** Followers of each user, for unfollows of real edges and status fan-out. */
  private readonly lists: number[][];
  /** Position of each edge in its followee's list, so an unfollow removes it in O(1). */
  private readonly edgeAt = new Map<number, number>();
  private edges = 0;
  private readonly maxEdges: number;

  constructor(
    private readonly rng: Prng,
    private readonly options: EventStreamOptions,
  ) {
    this.table = TYPES.flatMap((type) => Array<EventType>(options.mix[type]).fill(type));
    this.lists = Array.from({ length: options.users + 1 }, () => []);
    this.maxEdges = options.users * (options.degree ?? Infinity);
  }

  followers(user: number): readonly number[] {
    return this.lists[user];
  }

  /** The next event's line (no terminator), of `type` if given, else drawn from the mix. */
  next(type: EventType = this.table[this.rng.int(this.table.length)]): string {
    const seq = ++this.seq;
    this.type = type;
    switch (type) {
      case "F": {
        this.from = this.user();
        this.to = this.followee();
        const list = this.lists[this.to];
        if (this.edges >= this.maxEdges && list.length > 0) {
          // Saturated: re-follow an existing edge so the graph stops growing.
          this.from = list[this.rng.int(list.length)];
        }
        this.follow(this.from, this.to);
        return `${seq}|F|${this.from}|${this.to}`;
      }
      case "U": {
        this.to = this.followee();
        const list = this.lists[this.to];
        this.from = list.length > 0 && this.rng.chance(UNFOLLOW_EXISTING) ? list[this.rng.int(list.length)] : this.user();
        this.unfollow(this.from, this.to);
        return `${seq}|U|${this.from}|${this.to}`;
      }
      case "P":
        this.from = this.user();
        this.to = this.user();
        return `${seq}|P|${this.from}|${this.to}`;
      case "S":
        this.from = this.user();
        return `${seq}|S|${this.from}`;
      case "B":
        return `${seq}|B`;
    }
  }

  private user(): number {
    return this.rng.range(1, this.options.users);
  }

  private followee(): number {
    return this.options.skew ? skewedUser(this.rng, this.options.users) : this.user();
  }

  private key(from: number, to: number): number {
    return from * (this.options.users + 1) + to;
  }

  private follow(from: number, to: number): void {
    const key = this.key(from, to);
    if (this.edgeAt.has(key)) return;
    this.edgeAt.set(key, this.lists[to].length);
    this.lists[to].push(from);
    this.edges++;
  }

  private unfollow(from: number, to: number): void {
    const key = this.key(from, to);
    const position = this.edgeAt.get(key);
    if (position === undefined) return;
    // Swap-remove: the list's order carries no meaning, and this keeps unfollows O(1).
    const list = this.lists[to];
    const last = list.pop() as number;
    if (position < list.length) {
      list[position] = last;
      this.edgeAt.set(this.key(last, to), position);
    }
    this.edgeAt.delete(key);
    this.edges--;
  }
}

export interface GenerateOptions extends EventStreamOptions {
  events: number;
  /** Arrival order is shuffled within consecutive batches of this many events. */
  batch: number;
  /** Draw each batch's size from 1 … batch instead, as a real source's bursts vary. */
  randomBatches?: boolean;
  /**
   * Event 1 is a broadcast in a piece of its own, so a driver can send it
   * first and know, once every client has it, that all are registered.
   */
  barrier?: boolean;
  /** The stream is cut into pieces of this many bytes, lines straddling them as they do socket reads. */
  pieceBytes: number;
  /** Sees each event in sequence order, after it is applied to the graph, with its CRLF-terminated bytes. */
  onEvent?: (event: EventStream, line: Uint8Array) => void;
  /**
   * Share of events followed by a line the server must drop without changing
   * any client's stream: a repeat of an event already sent, a malformed line
   * reusing an already-delivered sequence number, unreadable junk, or a line
   * over the default --max-line-bytes.
   */
  noise?: number;
}

export interface GeneratedStream {
  /** Each its own buffer, as socket reads are (a consumer may keep references to them). */
  pieces: Uint8Array[];
  bytes: number;
}

/** Generates `events` events and encodes them in arrival order. */
export function generateStream(rng: Prng, o: GenerateOptions): GeneratedStream {
  const events = new EventStream(rng, o);
  const out = new Pieces(o.pieceBytes);
  const encoder = new TextEncoder();
  const encode = (line: string): Uint8Array => {
    const bytes = encoder.encode(`${line}\r\n`);
    o.onEvent?.(events, bytes);
    return bytes;
  };

  if (o.barrier) {
    out.write(encode(events.next("B")));
    out.cut();
  }
  let batch: Uint8Array[] = [];
  let previous: Uint8Array[] = [];
  const noise = o.noise ?? 0;
  while (events.seq < o.events) {
    const size = Math.min(o.randomBatches ? rng.range(1, o.batch) : o.batch, o.events - events.seq);
    const firstSeq = events.seq + 1;
    [previous, batch] = [batch, previous];
    batch.length = 0;
    for (let k = 0; k < size; k++) batch.push(encode(events.next()));
    rng.shuffle(batch);
    for (let k = 0; k < batch.length; k++) {
      out.write(batch[k] as Uint8Array);
      if (noise > 0 && rng.chance(noise)) out.write(noiseLine(rng, batch.slice(0, k + 1), previous, firstSeq, encoder));
    }
  }
  out.cut();
  return { pieces: out.pieces, bytes: out.bytes };
}

const JUNK = ["junk", "|B", "-5|B", "x|P|1|2", "", "1e3|B", " 7|B"];

/**
 * One line that changes nothing a client receives. Every event before
 * `firstSeq` has arrived by now (earlier batches are complete), so a
 * malformed line reusing such a number is a duplicate, never a placeholder.
 */
function noiseLine(rng: Prng, sent: Uint8Array[], previous: Uint8Array[], firstSeq: number, encoder: TextEncoder): Uint8Array {
  switch (rng.int(4)) {
    case 0:
      return rng.pick(previous.length > 0 && rng.chance(0.5) ? previous : sent);
    case 1:
      return firstSeq > 1 ? encoder.encode(`${rng.range(1, firstSeq - 1)}|X|1|2\r\n`) : encoder.encode("junk\r\n");
    case 2:
      return encoder.encode(`${rng.pick(JUNK)}\r\n`);
    default:
      return encoder.encode(`${firstSeq}|B|${"9".repeat(1100)}\r\n`);
  }
}

class Pieces {
  readonly pieces: Uint8Array[] = [];
  bytes = 0;
  private piece: Uint8Array;
  private at = 0;

  constructor(private readonly size: number) {
    this.piece = new Uint8Array(size);
  }

  write(data: Uint8Array): void {
    this.bytes += data.length;
    for (let from = 0; from < data.length; ) {
      if (this.at === this.size) this.cut();
      const n = Math.min(data.length - from, this.size - this.at);
      this.piece.set(data.subarray(from, from + n), this.at);
      this.at += n;
      from += n;
    }
  }

  /** Ends the current piece, so what follows starts a new one. */
  cut(): void {
    if (this.at === 0) return;
    this.pieces.push(this.piece.subarray(0, this.at));
    this.piece = new Uint8Array(this.size);
    this.at = 0;
  }
}
