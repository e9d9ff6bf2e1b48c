import { describe, expect, test } from "bun:test";
import { FOLLOW, STATUS, UNFOLLOW } from "../protocol/event-kind.ts";
import { Prng } from "../simulate/prng.ts";
import { FollowGraph } from "./follow-graph.ts";
import { decodeSnapshot, encodeSnapshot, replaySnapshot } from "./snapshot.ts";

/** Every edge as "follower>followee", sorted: the graph's content independent of its layout. */
function edgesOf(graph: FollowGraph): string[] {
  const edges: string[] = [];
  graph.forEachFollowee((followee, followers, count) => {
    for (let i = 0; i < count; i++) edges.push(`${followers[i]}>${followee}`);
  });
  return edges.sort();
}

const EPOCH = "0123456789abcdef";

function randomGraph(seed: number, events: number, users: number): FollowGraph {
  const prng = new Prng(seed);
  const graph = new FollowGraph();
  for (let i = 0; i < events; i++) {
    const from = prng.int(users) * 1000;
    const to = prng.int(users) * 1000;
    graph.apply(prng.int(3) === 0 ? UNFOLLOW : FOLLOW, from, to);
  }
  return graph;
}

describe("FollowGraph", () => {
  test("follows and unfollows by user id; other kinds change nothing", () => {
    const graph = new FollowGraph();
    graph.apply(FOLLOW, 1, 2);
    graph.apply(FOLLOW, 3, 2);
    graph.apply(FOLLOW, 2, 1);
    graph.apply(STATUS, 2, 0);
    graph.apply(UNFOLLOW, 3, 2);
    graph.apply(UNFOLLOW, 9, 8);
    expect(edgesOf(graph)).toEqual(["1>2", "2>1"]);
    expect(graph.edges).toBe(2);
  });
});

describe("snapshot codec", () => {
  test("an empty graph is a bare header", () => {
    const bytes = encodeSnapshot(0, EPOCH, new FollowGraph());
    expect(bytes.length).toBe(32);
    expect(decodeSnapshot(bytes)).toMatchObject({ seq: 0, epoch: EPOCH, followees: 0, edges: 0 });
  });

  test("a random graph survives the round trip, at 4 bytes per edge plus 8 per followee, with its sequence number and epoch", () => {
    const graph = randomGraph(7, 20_000, 300);
    const bytes = encodeSnapshot(2 ** 40, EPOCH, graph);
    const snapshot = decodeSnapshot(bytes);
    expect(snapshot.seq).toBe(2 ** 40);
    expect(snapshot.edges).toBe(graph.edges);
    expect(bytes.length).toBe(32 + 4 * (2 * snapshot.followees + snapshot.edges));
    const copy = new FollowGraph();
    replaySnapshot(snapshot, (kind, from, to) => copy.apply(kind, from, to));
    expect(edgesOf(copy)).toEqual(edgesOf(graph));
  });

  test("decodes from a buffer at any byte offset (Redis replies are not aligned)", () => {
    const bytes = encodeSnapshot(5, EPOCH, randomGraph(1, 100, 10));
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    expect(decodeSnapshot(shifted.subarray(3)).edges).toBe(decodeSnapshot(bytes).edges);
  });

  test("the epoch must be 16 hex digits", () => {
    expect(() => encodeSnapshot(1, "abc", new FollowGraph())).toThrow("16 hex digits");
  });

  test("refuses what it did not write", () => {
    const bytes = encodeSnapshot(5, EPOCH, randomGraph(1, 100, 10));
    expect(() => decodeSnapshot(bytes.subarray(0, 10))).toThrow("shorter than its header");
    expect(() => decodeSnapshot(bytes.subarray(0, bytes.length - 4))).toThrow("does not hold");
    const foreign = bytes.slice();
    foreign[0] = 0x58;
    expect(() => decodeSnapshot(foreign)).toThrow("FMS1");
    const badCount = bytes.slice();
    new DataView(badCount.buffer).setInt32(36, 0, true);
    expect(() => decodeSnapshot(badCount)).toThrow("bad follower count");
  });
});
