/**
 * Realistic, seeded Follower Maze events, shared by `simulate` and the
 * micro-benchmarks so both measure the same kind of traffic: a mix of event
 * types over a follower graph that is modelled while generating, so unfollows
 * mostly remove edges that exist and status updates reach real followers.
 */
import { EdgeIndex } from "./edge-index.ts";
import type { Prng } from "./prng.ts";

export type EventType = "F" | "U" | "P" | "S" | "B";

/** Relative whole-number weights of the event types (a type of weight 0 never occurs). */
export type EventMix = Record<EventType, number>;

export const EVENT_TYPES: readonly EventType[] = ["F", "U", "P", "S", "B"];

/** Each type's letter as an ASCII code, which is also its code in a line: what the generator switches on, cheaper than comparing strings. */
export const TYPE_CODES: Readonly<Record<EventType, number>> = { F: 0x46, U: 0x55, P: 0x50, S: 0x53, B: 0x42 };
const F = TYPE_CODES.F;
const U = TYPE_CODES.U;
const P = TYPE_CODES.P;
const S = TYPE_CODES.S;

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
 * generated. The fields describe the event {@link next} made last (its
 * type's TYPE_CODES code, `from` and `to` as far as its type has them), so a
 * caller can encode it and work out who it notifies without building a
 * string per event.
 */
export class EventStream {
  seq = 0;
  code = TYPE_CODES.B;
  from = 0;
  to = 0;

  /** One type code per unit of weight, so a mix is one draw and a lookup. */
  private readonly table: Uint8Array;
  /**
   * Followers of each user, for unfollows of real edges and status fan-out:
   * the simulator's own, not the server's FollowerTable, since simulate is
   * the server's independent check and a bug both shared would hide itself.
   */
  private readonly lists: number[][];
  /** Position of each edge in its followee's list, so an unfollow removes it in O(1). */
  private readonly edgeAt: EdgeIndex;
  private edges = 0;
  private readonly maxEdges: number;

  constructor(
    private readonly rng: Prng,
    private readonly options: EventStreamOptions,
  ) {
    this.table = Uint8Array.from(EVENT_TYPES.flatMap((type) => Array<number>(options.mix[type]).fill(TYPE_CODES[type])));
    this.lists = Array.from({ length: options.users + 1 }, () => []);
    this.maxEdges = options.users * (options.degree ?? Infinity);
    this.edgeAt = new EdgeIndex();
  }

  followers(user: number): readonly number[] {
    return this.lists[user];
  }

  /** Makes the next event, of the type with TYPE_CODES `code` if given, else drawn from the mix. */
  next(code: number = this.table[this.rng.int(this.table.length)] as number): void {
    this.seq++;
    this.code = code;
    switch (code) {
      case F: {
        this.from = this.user();
        this.to = this.followee();
        const list = this.lists[this.to];
        if (this.edges >= this.maxEdges && list.length > 0) {
          // Saturated: re-follow an existing edge so the graph stops growing; being in the list, it needs no lookup.
          this.from = list[this.rng.int(list.length)] as number;
          return;
        }
        this.follow(this.from, this.to);
        return;
      }
      case U: {
        this.to = this.followee();
        const list = this.lists[this.to];
        if (list.length > 0 && this.rng.chance(UNFOLLOW_EXISTING)) {
          // Its position in the list is the one drawn, so only a random pair needs the lookup.
          const position = this.rng.int(list.length);
          this.from = list[position] as number;
          this.removeAt(this.from, this.to, position);
        } else {
          this.from = this.user();
          const position = this.edgeAt.get(this.from, this.to);
          if (position >= 0) this.removeAt(this.from, this.to, position);
        }
        return;
      }
      case P:
        this.from = this.user();
        this.to = this.user();
        return;
      case S:
        this.from = this.user();
        return;
    }
  }

  private user(): number {
    return this.rng.range(1, this.options.users);
  }

  private followee(): number {
    return this.options.skew ? skewedUser(this.rng, this.options.users) : this.user();
  }

  private follow(from: number, to: number): void {
    if (this.edgeAt.get(from, to) >= 0) return;
    this.edgeAt.set(from, to, this.lists[to].length);
    this.lists[to].push(from);
    this.edges++;
  }

  /** Removes edge from → to, which is at `position` in its followee's list. */
  private removeAt(from: number, to: number, position: number): void {
    // Swap-remove: the list's order carries no meaning, and this keeps unfollows O(1).
    const list = this.lists[to];
    const last = list.pop() as number;
    if (position < list.length) {
      list[position] = last;
      this.edgeAt.set(last, to, position);
    }
    this.edgeAt.delete(from, to);
    this.edges--;
  }
}
