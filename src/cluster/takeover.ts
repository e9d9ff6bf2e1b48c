import { StartupError } from "../errors.ts";
import { ParsedEvent, parseEventLine } from "../protocol/event-line.ts";
import { LineFramer, type LineSink } from "../protocol/line-framer.ts";
import { FollowGraph } from "./follow-graph.ts";
import { type ClusterKeys, randomEpoch } from "./keys.ts";
import type { Lease } from "./lease.ts";
import type { RedisLink } from "./redis-link.ts";
import { encodeSnapshot, replaySnapshot } from "./snapshot.ts";
import { entryBytes, MAX_STORED_LINE } from "./stream-entry.ts";
import { catchUp, readMeta, readSnapshot, StreamCursor, streamTop } from "./stream-reader.ts";

/** Where a sequencer that now holds the lease starts from. */
export interface StreamState {
  epoch: string;
  /** The last sequence number in the stream (0 when empty). */
  top: number;
  /** The sequence number the current snapshot covers. */
  snapshot: number;
  /** The follower graph after `top`. */
  graph: FollowGraph;
}

const PAGE = 1000;

/**
 * Run once the lease is ours: makes sure the cluster has an epoch (HSETNX,
 * so a concurrent sequencer cannot replace it) and a snapshot, and rebuilds
 * the follower graph up to the stream's top from the snapshot and the
 * entries after it. The stream's delimiter must be ours.
 */
export async function takeOver(link: RedisLink, lease: Lease, keys: ClusterKeys, delimiter: number, startSeq: number): Promise<StreamState> {
  await lease.fenced("HSETNX", keys.meta, ["epoch", randomEpoch()]);
  await lease.fenced("HSETNX", keys.meta, ["delimiter", String.fromCharCode(delimiter)]);
  const meta = await readMeta(link, keys);
  if (meta === null) throw new StartupError(`${keys.meta} in Redis is not a follower-maze cluster's (no epoch or delimiter)`);
  if (meta.delimiter !== delimiter) {
    throw new StartupError(
      `the stream's lines use the delimiter ${JSON.stringify(String.fromCharCode(meta.delimiter))}, not --delimiter ${JSON.stringify(String.fromCharCode(delimiter))}`,
    );
  }
  const top = await streamTop(link, keys);
  const graph = new FollowGraph();
  const snapshot = await readSnapshot(link, keys, meta.epoch);
  if (snapshot === null) {
    if (top > 0)
      throw new StartupError(`${keys.events} has entries up to ${top} but ${keys.snapshot} holds no snapshot of its epoch: cannot rebuild the follower graph`);
    const seq = startSeq - 1;
    await lease.fenced("SET", keys.snapshot, [encodeSnapshot(seq, meta.epoch, graph)]);
    return { epoch: meta.epoch, top: 0, snapshot: seq, graph };
  }
  replaySnapshot(snapshot, (kind, from, to) => graph.apply(kind, from, to));
  const cursor = new StreamCursor(meta.epoch, snapshot.seq);
  const framer = new LineFramer(MAX_STORED_LINE, graphLines(graph, delimiter));
  await catchUp(link, keys, cursor, PAGE, (entry) => framer.push(entryBytes(entry)));
  if (cursor.last !== top) throw new StartupError(`${keys.events} ends at ${cursor.last} after catching up, not at its top ${top}`);
  return { epoch: meta.epoch, top, snapshot: snapshot.seq, graph };
}

/** Stored lines are events the sequencer accepted; only follows and unfollows matter to the graph. */
function graphLines(graph: FollowGraph, delimiter: number): LineSink {
  const parsed = new ParsedEvent();
  return {
    line(buf, start, end) {
      graph.apply(parseEventLine(buf, start, end, delimiter, parsed), parsed.from, parsed.to);
    },
    oversized() {},
  };
}
