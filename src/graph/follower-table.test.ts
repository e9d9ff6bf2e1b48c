import { describe, expect, test } from "bun:test";
import { Prng } from "../simulate/prng.ts";
import { FollowerTable } from "./follower-table.ts";

/** The meaningful part of followee's list, sorted, for set comparison. */
function followersOf(table: FollowerTable, followee: number): number[] {
  const list = table.followers(followee);
  const count = table.followerCount(followee);
  expect(list.length).toBeGreaterThanOrEqual(count);
  return Array.from(list.subarray(0, count)).sort((a, b) => a - b);
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
    expect(table.followerCount(0)).toBe(0);
    expect(table.followers(0).length).toBe(0);
    expect(table.followerCount(1_000_000)).toBe(0);
    expect(table.followers(1_000_000).length).toBe(0);
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

  test("a list grows and shrinks back when most followers leave", () => {
    const table = new FollowerTable(1);
    for (let f = 0; f < 1000; f++) table.follow(f, 7);
    const grown = table.followers(7).length;
    expect(grown).toBeGreaterThanOrEqual(1000);
    for (let f = 0; f < 990; f++) table.unfollow(f, 7);
    expect(table.followers(7).length).toBeLessThan(grown / 4);
    expect(followersOf(table, 7)).toEqual([990, 991, 992, 993, 994, 995, 996, 997, 998, 999]);
    for (let f = 0; f < 10; f++) table.follow(f, 7);
    expect(followersOf(table, 7)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 990, 991, 992, 993, 994, 995, 996, 997, 998, 999]);
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
