import { expect } from "bun:test";
import type { FollowGraph } from "../../src/cluster/follow-graph.ts";
import { clusterKeys } from "../../src/cluster/keys.ts";
import { Lease, type LeaseLostError } from "../../src/cluster/lease.ts";
import { RedisLink } from "../../src/cluster/redis-link.ts";
import { parseRedisUrl } from "../../src/cluster/redis-url.ts";
import { type AppenderHooks, StreamAppender } from "../../src/cluster/stream-appender.ts";
import { catchUp, StreamCursor } from "../../src/cluster/stream-reader.ts";
import { takeOver } from "../../src/cluster/takeover.ts";
import { Logger } from "../../src/log/logger.ts";
import { FOLLOW, NOOP, STATUS, UNFOLLOW } from "../../src/protocol/event-kind.ts";
import type { RedisServer } from "./redis-server.ts";

/** Helpers for the cluster's Redis-side tests: a sequencer's stream writing without sockets. */

export const PIPE = 0x7c;
export const keys = clusterKeys("t");
const links: RedisLink[] = [];

/** Closes every link the helpers opened: a test file's afterEach. */
export function closeLinks(): void {
  for (const link of links.splice(0)) link.close();
}

export async function connect(redis: RedisServer, commandTimeoutMs = 2_000): Promise<RedisLink> {
  const link = await RedisLink.open(parseRedisUrl(redis.url), new Logger("error"), { name: "test", commandTimeoutMs, retryMs: 20, maxRetryMs: 100 });
  links.push(link);
  return link;
}

export interface Recorded {
  paused: (string | null)[];
  snapshots: number[];
  lost: LeaseLostError[];
  appended: number;
  rooms: number;
}

/** A sequencer's Redis side (lease, takeover, appender) without its event port. */
export async function sequencer(redis: RedisServer, snapshotEvery = 1_000_000, maxQueued = 1_000_000, commandTimeoutMs = 2_000) {
  const link = await connect(redis, commandTimeoutMs);
  const lease = new Lease(link, keys.sequencer, 10_000);
  expect(await lease.acquire()).toBe(true);
  const state = await takeOver(link, lease, keys, PIPE, 1);
  const recorded: Recorded = { paused: [], snapshots: [], lost: [], appended: 0, rooms: 0 };
  const hooks: AppenderHooks = {
    appended: (events) => {
      recorded.appended += events;
    },
    room: () => recorded.rooms++,
    paused: (reason) => recorded.paused.push(reason),
    redisError: () => {},
    snapshotted: (seq) => recorded.snapshots.push(seq),
    leaseLost: async (error) => {
      recorded.lost.push(error);
      return false;
    },
  };
  const appender = new StreamAppender(
    link,
    lease,
    keys,
    state.epoch,
    state.graph,
    { top: state.top, snapshot: state.snapshot },
    maxQueued,
    {
      snapshotEvery,
      maxEntryBytes: 64 * 1024,
      clock: () => performance.now(),
    },
    hooks,
  );
  return { link, lease, state, appender, recorded };
}

/**
 * Feeds events `from`…`to` through the appender as the engine would, `perCycle`
 * a cycle: a mix of follows, unfollows and status updates, every 7th a no-op.
 */
export function feed(appender: StreamAppender, from: number, to: number, perCycle: number): void {
  const encoder = new TextEncoder();
  for (let seq = from; seq <= to; seq++) {
    const kind = seq % 7 === 0 ? NOOP : seq % 3 === 0 ? UNFOLLOW : seq % 2 === 0 ? FOLLOW : STATUS;
    const a = seq % 13;
    const b = (seq * 7) % 11;
    const text = kind === NOOP ? "" : kind === FOLLOW ? `${seq}|F|${a}|${b}` : kind === UNFOLLOW ? `${seq}|U|${a}|${b}` : `${seq}|S|${a}`;
    const line = encoder.encode(`xx${text}yy`);
    appender.event(seq, kind, a, b, line, 2, line.length - 4);
    if ((seq - from + 1) % perCycle === 0 || seq === to) appender.flush();
  }
}

/** The lines stored after `after`, read back with the continuity check. */
export async function storedLines(link: RedisLink, epoch: string, after: number): Promise<{ lines: string; last: number }> {
  const cursor = new StreamCursor(epoch, after);
  let lines = "";
  await catchUp(link, keys, cursor, 7, (entry) => {
    lines += entry.lines;
  });
  return { lines, last: cursor.last };
}

/** The lines {@link feed} stores for `from`…`to`. */
export function expectedLines(from: number, to: number): string {
  let text = "";
  for (let seq = from; seq <= to; seq++) {
    if (seq % 7 === 0) continue;
    const a = seq % 13;
    const b = (seq * 7) % 11;
    text += `${seq % 3 === 0 ? `${seq}|U|${a}|${b}` : seq % 2 === 0 ? `${seq}|F|${a}|${b}` : `${seq}|S|${a}`}\r\n`;
  }
  return text;
}

/** Every edge as "follower>followee", sorted: a graph's content whatever its layout. */
export function edgesOf(graph: FollowGraph): string[] {
  const all: string[] = [];
  graph.forEachFollowee((followee, followers, count) => {
    for (let i = 0; i < count; i++) all.push(`${followers[i]}>${followee}`);
  });
  return all.sort();
}
