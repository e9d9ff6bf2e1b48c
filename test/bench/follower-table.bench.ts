/**
 * follower table: UserIndex (id → dense index) + FollowerTable (follower
 * lists pooled in one Int32Array + open-addressed edge hash) vs. the obvious
 * Map<followee id, Set<follower id>>. Both sides pay for the id lookups the
 * router makes (intern/lookup on the optimised side, Map.get on the naive one).
 *
 * Graphs: 1,000 users × 20 follows each, and 100,000 users × 10 each, with
 * followees drawn from a heavy-tailed distribution (a few popular users).
 *  - churn: 2,000 new follows, each unfollowed again 500 ops later, plus
 *    follows of edges that already exist and unfollows of edges that do not
 *    (10 % each); the graph ends every iteration as it started.
 *  - fan-out: 1,000 status updates from random users, walking every follower.
 *  - build (1,000 users only): all edges from empty, default capacities, so
 *    list and hash growth are part of the cost. (At the time of writing this
 *    is the one place FollowerTable loses: its edge hash rehashes, and a
 *    list that doubles moves to a bigger block and repoints its followers'
 *    slots, where a Set grows in native code.)
 */
import { bench, do_not_optimize, group, summary } from "mitata";
import { FollowerTable } from "../../src/graph/follower-table.ts";
import { UserIndex } from "../../src/graph/user-index.ts";
import { skewedUser } from "../../src/simulate/event-stream.ts";
import { Prng } from "../../src/simulate/prng.ts";
import { rated } from "./report.ts";

const FOLLOW = 0;
const UNFOLLOW = 1;

interface Workload {
  users: number;
  /** Base edges as (follower, followee) id pairs. */
  edges: Int32Array;
  /** Churn ops as (op, follower, followee) triples. */
  ops: Int32Array;
  /** Status senders (user ids). */
  senders: Int32Array;
}

function workload(users: number, followsPerUser: number, seed: number): Workload {
  const rng = new Prng(seed);
  const key = (from: number, to: number) => from * (users + 1) + to;
  const present = new Set<number>();
  const edges: number[] = [];
  const target = users * followsPerUser;
  while (present.size < target) {
    const from = rng.range(1, users);
    const to = skewedUser(rng, users);
    if (from === to || present.has(key(from, to))) continue;
    present.add(key(from, to));
    edges.push(from, to);
  }

  const CHURN = 2000;
  const LAG = 500;
  const churn: number[] = [];
  const used = new Set<number>();
  while (churn.length < CHURN * 2) {
    const from = rng.range(1, users);
    const to = skewedUser(rng, users);
    const k = key(from, to);
    if (from === to || present.has(k) || used.has(k)) continue;
    used.add(k);
    churn.push(from, to);
  }
  const ops: number[] = [];
  const extra = () => {
    if (rng.chance(0.1)) {
      // Follow an edge that already exists: no change.
      const e = 2 * rng.int(edges.length / 2);
      ops.push(FOLLOW, edges[e], edges[e + 1]);
    }
    if (rng.chance(0.1)) {
      // Unfollow an edge that does not exist (neither base nor churn): no change.
      for (;;) {
        const from = rng.range(1, users);
        const to = rng.range(1, users);
        const k = key(from, to);
        if (present.has(k) || used.has(k)) continue;
        ops.push(UNFOLLOW, from, to);
        break;
      }
    }
  };
  for (let i = 0; i < CHURN; i++) {
    ops.push(FOLLOW, churn[2 * i], churn[2 * i + 1]);
    if (i >= LAG) ops.push(UNFOLLOW, churn[2 * (i - LAG)], churn[2 * (i - LAG) + 1]);
    extra();
  }
  for (let i = CHURN - LAG; i < CHURN; i++) ops.push(UNFOLLOW, churn[2 * i], churn[2 * i + 1]);

  const senders = new Int32Array(1000);
  for (let i = 0; i < senders.length; i++) senders[i] = rng.range(1, users);
  return { users, edges: Int32Array.from(edges), ops: Int32Array.from(ops), senders };
}

class Optimised {
  readonly users: UserIndex;
  readonly graph: FollowerTable;

  /** Capacity hints; omitted, the server's defaults. */
  constructor(users?: number, edges?: number) {
    this.users = new UserIndex(users);
    this.graph = new FollowerTable(edges);
  }

  load(edges: Int32Array): void {
    const users = this.users;
    const graph = this.graph;
    for (let i = 0; i < edges.length; i += 2) graph.follow(users.intern(edges[i]), users.intern(edges[i + 1]));
  }

  churn(ops: Int32Array): number {
    const users = this.users;
    const graph = this.graph;
    let changed = 0;
    for (let i = 0; i < ops.length; i += 3) {
      if (ops[i] === FOLLOW) {
        const followee = users.intern(ops[i + 2]);
        if (graph.follow(users.intern(ops[i + 1]), followee)) changed++;
      } else {
        const follower = users.lookup(ops[i + 1]);
        const followee = users.lookup(ops[i + 2]);
        if (follower >= 0 && followee >= 0 && graph.unfollow(follower, followee)) changed++;
      }
    }
    return changed;
  }

  /** Visits every follower of every sender, as the router does for S events. */
  fanOut(senders: Int32Array): number {
    const users = this.users;
    const graph = this.graph;
    let visited = 0;
    let sum = 0;
    for (let s = 0; s < senders.length; s++) {
      const user = users.lookup(senders[s]);
      if (user < 0) continue;
      const list = graph.followerArena;
      const first = graph.followersStart(user);
      const n = graph.followerCount(user);
      const end = first + n;
      for (let i = first; i < end; i++) sum += list[i];
      visited += n;
    }
    do_not_optimize(sum);
    return visited;
  }
}

class Naive {
  readonly followers = new Map<number, Set<number>>();

  load(edges: Int32Array): void {
    for (let i = 0; i < edges.length; i += 2) this.follow(edges[i], edges[i + 1]);
  }

  follow(from: number, to: number): boolean {
    let set = this.followers.get(to);
    if (!set) {
      set = new Set();
      this.followers.set(to, set);
    }
    const before = set.size;
    set.add(from);
    return set.size !== before;
  }

  churn(ops: Int32Array): number {
    let changed = 0;
    for (let i = 0; i < ops.length; i += 3) {
      if (ops[i] === FOLLOW) {
        if (this.follow(ops[i + 1], ops[i + 2])) changed++;
      } else if (this.followers.get(ops[i + 2])?.delete(ops[i + 1])) {
        changed++;
      }
    }
    return changed;
  }

  fanOut(senders: Int32Array): number {
    let visited = 0;
    let sum = 0;
    for (let s = 0; s < senders.length; s++) {
      const set = this.followers.get(senders[s]);
      if (!set) continue;
      for (const f of set) sum += f;
      visited += set.size;
    }
    do_not_optimize(sum);
    return visited;
  }
}

for (const [users, followsPerUser] of [
  [1000, 20],
  [100_000, 10],
] as const) {
  const w = workload(users, followsPerUser, users);
  const edgeCount = w.edges.length / 2;
  const label = users >= 1000 ? `${users / 1000}k` : String(users);

  const fast = new Optimised(users, edgeCount);
  fast.load(w.edges);
  const naive = new Naive();
  naive.load(w.edges);

  // Same graph, same answers, before any timing.
  const fastChanged = fast.churn(w.ops);
  const naiveChanged = naive.churn(w.ops);
  const fastVisited = fast.fanOut(w.senders);
  const naiveVisited = naive.fanOut(w.senders);
  if (fastChanged !== naiveChanged || fastVisited !== naiveVisited || fast.graph.edges !== edgeCount) {
    throw new Error(`follower table bench: implementations disagree (${fastChanged}/${fastVisited} vs ${naiveChanged}/${naiveVisited})`);
  }
  const opCount = w.ops.length / 3;
  console.log(`follower table ${label} users: ${edgeCount} edges, churn ${opCount} ops, fan-out ${w.senders.length} status → ${fastVisited} followers`);

  group(`follower table ${label} users: churn (${opCount} follow/unfollow)`, () => {
    summary(() => {
      bench(rated("follower table", `FollowerTable churn @${label}`, opCount, "op"), () => {
        do_not_optimize(fast.churn(w.ops));
      });
      bench(rated("follower table", `Map<Set> churn @${label}`, opCount, "op"), () => {
        do_not_optimize(naive.churn(w.ops));
      }).baseline(true);
    });
  });

  group(`follower table ${label} users: fan-out (${w.senders.length} status, ${fastVisited} followers)`, () => {
    summary(() => {
      bench(rated("follower table", `FollowerTable fan-out @${label}`, fastVisited, "follower"), () => {
        do_not_optimize(fast.fanOut(w.senders));
      });
      bench(rated("follower table", `Map<Set> fan-out @${label}`, fastVisited, "follower"), () => {
        do_not_optimize(naive.fanOut(w.senders));
      }).baseline(true);
    });
  });

  if (users <= 1000) {
    group(`follower table ${label} users: build ${edgeCount} edges from empty`, () => {
      summary(() => {
        bench(rated("follower table", `FollowerTable build @${label}`, edgeCount, "edge"), () => {
          // Default capacities, as the server starts: growth is part of the cost.
          const t = new Optimised();
          t.load(w.edges);
          do_not_optimize(t);
        });
        bench(rated("follower table", `Map<Set> build @${label}`, edgeCount, "edge"), () => {
          const t = new Naive();
          t.load(w.edges);
          do_not_optimize(t);
        }).baseline(true);
      });
    });
  }
}
