import { describe, expect, test } from "bun:test";
import { Prng } from "../simulate/prng.ts";
import { FollowerTable } from "./follower-table.ts";

/** The meaningful part of followee's list, sorted, for set comparison. */
function followersOf(table: FollowerTable, followee: number): number[] {
  const first = table.followersStart(followee);
  const count = table.followerCount(followee);
  expect(table.followerArena.length).toBeGreaterThanOrEqual(first + count);
  return Array.from(table.followerArena.subarray(first, first + count)).sort((a, b) => a - b);
}

/** Checks every followee's list, the edge count and (for a sample) isFollowing against the reference. */
function expectMatches(table: FollowerTable, reference: Map<number, Set<number>>, users: number): void {
  let edges = 0;
  for (let followee = 0; followee < users; followee++) {
    const expected = [...(reference.get(followee) ?? [])].sort((a, b) => a - b);
    edges += expected.length;
    const got = followersOf(table, followee);
    if (got.length !== expected.length || got.some((v, i) => v !== expected[i])) {
      expect({ followee, followers: got }).toEqual({ followee, followers: expected });
    }
  }
  expect(table.edges).toBe(edges);
}

describe("FollowerTable", () => {
  test("an empty table knows nobody", () => {
    const table = new FollowerTable();
    expect(table.edges).toBe(0);
    expect(followersOf(table, 0)).toEqual([]);
    expect(followersOf(table, 1_000_000)).toEqual([]);
    expect(table.isFollowing(0, 1)).toBe(false);
  });

  test("follow is a set; unfollow of a missing edge is a no-op", () => {
    const table = new FollowerTable();
    expect(table.follow(1, 2)).toBe(true);
    expect(table.follow(1, 2)).toBe(false);
    expect(table.edges).toBe(1);
    expect(followersOf(table, 2)).toEqual([1]);
    expect(table.isFollowing(1, 2)).toBe(true);
    // Direction matters.
    expect(table.isFollowing(2, 1)).toBe(false);
    expect(followersOf(table, 1)).toEqual([]);
    expect(table.unfollow(2, 1)).toBe(false);
    expect(table.unfollow(3, 2)).toBe(false);
    expect(table.edges).toBe(1);
    expect(table.unfollow(1, 2)).toBe(true);
    expect(table.unfollow(1, 2)).toBe(false);
    expect(table.edges).toBe(0);
    expect(table.isFollowing(1, 2)).toBe(false);
    expect(followersOf(table, 2)).toEqual([]);
    // And the edge can come back.
    expect(table.follow(1, 2)).toBe(true);
    expect(followersOf(table, 2)).toEqual([1]);
  });

  test("self-follow and user 0 are ordinary edges", () => {
    const table = new FollowerTable();
    expect(table.follow(0, 0)).toBe(true);
    expect(table.follow(5, 0)).toBe(true);
    expect(followersOf(table, 0)).toEqual([0, 5]);
    expect(table.isFollowing(0, 0)).toBe(true);
    expect(table.unfollow(0, 0)).toBe(true);
    expect(followersOf(table, 0)).toEqual([5]);
  });

  test("unfollowing from the middle keeps the rest, and positions stay right for later unfollows", () => {
    const table = new FollowerTable();
    for (let f = 10; f < 20; f++) table.follow(f, 1);
    for (const f of [10, 15, 19, 12]) expect(table.unfollow(f, 1)).toBe(true);
    expect(followersOf(table, 1)).toEqual([11, 13, 14, 16, 17, 18]);
    for (const f of [18, 11, 16, 13, 14, 17]) expect(table.unfollow(f, 1)).toBe(true);
    expect(followersOf(table, 1)).toEqual([]);
    expect(table.edges).toBe(0);
  });

  test("a list at the top of the arena grows in place", () => {
    const table = new FollowerTable(1);
    table.follow(1, 9);
    const start = table.followersStart(9);
    for (let f = 2; f <= 1000; f++) table.follow(f, 9);
    expect(table.followersStart(9)).toBe(start);
    expect(table.followerArena.length).toBe(1024);
    expect(followersOf(table, 9)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
  });

  test("lists growing side by side move to bigger blocks and keep every edge findable", () => {
    const table = new FollowerTable(1);
    for (let f = 0; f < 300; f++) for (const followee of [1, 2, 3]) table.follow(f * 3 + followee, followee);
    for (const followee of [1, 2, 3]) {
      expect(followersOf(table, followee)).toEqual(Array.from({ length: 300 }, (_, f) => f * 3 + followee));
      for (let f = 0; f < 300; f++) expect(table.isFollowing(f * 3 + followee, followee)).toBe(true);
      expect(table.isFollowing(followee + 1, followee)).toBe(false);
    }
    // Unfollows after the moves still find each follower's current position.
    for (let f = 0; f < 300; f += 2) expect(table.unfollow(f * 3 + 2, 2)).toBe(true);
    expect(followersOf(table, 2)).toEqual(Array.from({ length: 150 }, (_, i) => (2 * i + 1) * 3 + 2));
  });

  test("an emptied list gives its block back for the next list of that size", () => {
    const table = new FollowerTable();
    table.follow(1, 10);
    table.follow(1, 11);
    const start = table.followersStart(10);
    expect(table.unfollow(1, 10)).toBe(true);
    table.follow(5, 12);
    expect(table.followersStart(12)).toBe(start);
    expect(followersOf(table, 12)).toEqual([5]);
    expect(followersOf(table, 11)).toEqual([1]);
    expect(followersOf(table, 10)).toEqual([]);
  });

  test("a list shrinks back when most followers leave, and its blocks are reused", () => {
    const table = new FollowerTable(1);
    for (let f = 0; f < 1000; f++) table.follow(f, 7);
    table.follow(0, 8);
    const top = table.followersStart(8);
    for (let f = 0; f < 990; f++) table.unfollow(f, 7);
    // Down to 10 followers, it left its block of 1,024 for one below the top.
    expect(table.followersStart(7)).toBeGreaterThan(top);
    expect(followersOf(table, 7)).toEqual([990, 991, 992, 993, 994, 995, 996, 997, 998, 999]);
    for (let f = 0; f < 10; f++) table.follow(f, 7);
    expect(followersOf(table, 7)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 990, 991, 992, 993, 994, 995, 996, 997, 998, 999]);
    // Two lists growing side by side move block to block; the first to need 1,024 slots takes the freed ones.
    for (let f = 0; f < 1000; f++) for (const followee of [5, 6]) table.follow(f, followee);
    expect([table.followersStart(5), table.followersStart(6)]).toContain(0);
    for (const followee of [5, 6]) expect(followersOf(table, followee)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  test("lists swinging between empty and hundreds, through every block size both ways, match a reference", () => {
    const prng = new Prng(17);
    const table = new FollowerTable(1);
    const reference = new Map<number, Set<number>>();
    const followees = [3, 4, 5, 6];
    let arena = 0;
    for (let swing = 0; swing < 6; swing++) {
      // Up: each list to a different size, interleaved so that lists move rather than grow in place.
      for (let i = 0; i < 600; i++) {
        for (const followee of followees) {
          if (i >= 150 * (followee - 2)) continue;
          const follower = prng.int(5000);
          const set = reference.get(followee) ?? new Set<number>();
          reference.set(followee, set);
          expect(table.follow(follower, followee)).toBe(!set.has(follower));
          set.add(follower);
        }
      }
      expectMatches(table, reference, 8);
      // Down: most of each list, in random order, and two lists all the way to empty.
      for (const followee of followees) {
        const set = reference.get(followee) as Set<number>;
        const leaving = prng.shuffle([...set]).slice(0, followee % 2 === 0 ? set.size : Math.floor(set.size * 0.9));
        for (const follower of leaving) {
          expect(table.unfollow(follower, followee)).toBe(true);
          set.delete(follower);
        }
      }
      expectMatches(table, reference, 8);
      if (swing === 1) arena = table.followerArena.length;
    }
    // Blocks freed on the way down serve the next swing up.
    expect(table.followerArena.length).toBe(arena);
  });

  test("follow and unfollow cycles do not grow the arena", () => {
    const prng = new Prng(11);
    const table = new FollowerTable(1);
    const edges: [number, number][] = [];
    for (let i = 0; i < 5000; i++) edges.push([prng.int(2000), Math.floor(prng.int(200) ** 2 / 200)]);
    const cycle = () => {
      for (const [follower, followee] of edges) table.follow(follower, followee);
      prng.shuffle(edges);
      for (const [follower, followee] of edges) table.unfollow(follower, followee);
      expect(table.edges).toBe(0);
    };
    cycle();
    const arena = table.followerArena.length;
    for (let i = 0; i < 5; i++) cycle();
    expect(table.followerArena.length).toBe(arena);
  });

  test.each([
    ["a few popular users (long lists)", 1, 60, 40_000],
    ["many users (many short lists)", 1, 3000, 40_000],
    ["larger initial table", 4096, 400, 30_000],
  ])("random follows and unfollows match a reference: %s", (_, initialEdges, users, ops) => {
    const prng = new Prng(users * 31 + initialEdges);
    const table = new FollowerTable(initialEdges);
    const reference = new Map<number, Set<number>>();
    const has = (follower: number, followee: number) => reference.get(followee)?.has(follower) ?? false;
    for (let op = 0; op < ops; op++) {
      // Phases: mostly following, then mostly unfollowing (so lists shrink), then mixed.
      const phase = Math.floor((op / ops) * 3);
      const pFollow = phase === 0 ? 0.8 : phase === 1 ? 0.2 : 0.5;
      let follower = prng.int(users);
      let followee = prng.int(users);
      if (prng.chance(1 - pFollow)) {
        // Unfollow an existing edge most of the time, a missing one sometimes.
        const set = reference.get(followee);
        if (set && set.size > 0 && prng.chance(0.9)) follower = prng.pick([...set]);
        const existed = has(follower, followee);
        expect(table.unfollow(follower, followee)).toBe(existed);
        reference.get(followee)?.delete(follower);
      } else {
        if (prng.chance(0.1)) {
          // Re-follow an existing edge.
          const set = reference.get(followee);
          if (set && set.size > 0) follower = prng.pick([...set]);
        }
        const existed = has(follower, followee);
        expect(table.follow(follower, followee)).toBe(!existed);
        if (!reference.has(followee)) reference.set(followee, new Set());
        reference.get(followee)?.add(follower);
      }
      if (op % 2000 === 0) expectMatches(table, reference, users);
      followee = prng.int(users);
      follower = prng.int(users);
      expect(table.isFollowing(follower, followee)).toBe(has(follower, followee));
    }
    expectMatches(table, reference, users);
    for (const [followee, set] of reference) for (const follower of set) expect(table.isFollowing(follower, followee)).toBe(true);
  });

  test("edges that all hash alike, past the longest distance a slot records, stay findable and removable", () => {
    // pairKey(followee, follower) is the same for every pair below, so they form one probe chain of 600.
    const key = 0x1234567;
    const edges: [number, number][] = [];
    for (let followee = 0; edges.length < 600; followee++) {
      const follower = (key ^ Math.imul(followee, 0x85ebca6b)) | 0;
      if (follower >= 0) edges.push([follower, followee]);
    }
    const prng = new Prng(3);
    const table = new FollowerTable(1);
    for (const [follower, followee] of edges) expect(table.follow(follower, followee)).toBe(true);
    for (const [follower, followee] of edges) expect(table.follow(follower, followee)).toBe(false);
    prng.shuffle(edges);
    const gone = edges.splice(0, 400);
    for (const [follower, followee] of gone) expect(table.unfollow(follower, followee)).toBe(true);
    for (const [follower, followee] of gone) expect(table.isFollowing(follower, followee)).toBe(false);
    for (const [follower, followee] of edges) {
      expect(table.isFollowing(follower, followee)).toBe(true);
      expect(followersOf(table, followee)).toEqual([follower]);
    }
    for (const [follower, followee] of edges) expect(table.unfollow(follower, followee)).toBe(true);
    expect(table.edges).toBe(0);
  });

  test("an arena past 2^23 positions takes slot bits from the distances and keeps every edge", () => {
    const table = new FollowerTable(1 << 22);
    const followers = (1 << 22) + 1;
    for (let f = 0; f < followers; f++) table.follow(f, 1);
    table.follow(7, 2);
    expect(table.followerArena.length).toBeGreaterThan(1 << 23);
    expect(table.followersStart(2)).toBe(1 << 23);
    expect(table.followerCount(1)).toBe(followers);
    for (let f = 0; f < followers; f += 997) expect(table.isFollowing(f, 1)).toBe(true);
    expect(table.isFollowing(7, 2)).toBe(true);
    for (let f = 0; f < followers; f += 2) expect(table.unfollow(f, 1)).toBe(true);
    for (let f = 1; f < 2000; f += 2) expect(table.isFollowing(f, 1)).toBe(true);
    expect(table.unfollow(7, 2)).toBe(true);
    expect(table.edges).toBe(followers >> 1);
  });

  test("everything can be unfollowed after heavy growth, leaving an empty graph", () => {
    const prng = new Prng(5);
    const table = new FollowerTable(1);
    const edges: [number, number][] = [];
    for (let i = 0; i < 20_000; i++) {
      const edge: [number, number] = [prng.int(5000), prng.int(5000)];
      if (table.follow(edge[0], edge[1])) edges.push(edge);
    }
    expect(table.edges).toBe(edges.length);
    prng.shuffle(edges);
    for (const [follower, followee] of edges) expect(table.unfollow(follower, followee)).toBe(true);
    expect(table.edges).toBe(0);
    for (const [follower, followee] of edges) {
      expect(table.isFollowing(follower, followee)).toBe(false);
      expect(table.followerCount(followee)).toBe(0);
    }
  });
});
