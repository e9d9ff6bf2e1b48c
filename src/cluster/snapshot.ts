import { FOLLOW } from "../protocol/event-kind.ts";
import type { FollowGraph } from "./follow-graph.ts";

/**
 * `<prefix>:snapshot`: the follower graph as it stood after sequence number
 * `seq`, little-endian. A 32-byte header (magic "FMS1", 4 bytes of zero, seq
 * as a float64 — sequence numbers go past 2^31 —, the number of followees and
 * the number of edges as uint32, and the 8 bytes of the epoch it belongs to,
 * so a reader never pairs it with the stream of another epoch), then per followee with followers its id,
 * its follower count and the followers' ids, all int32: 4 × (2 × followees +
 * edges) bytes, with no per-edge overhead beyond the follower's id.
 */
const MAGIC = 0x31534d46; // "FMS1"
const HEADER = 32;
const EPOCH_BYTES = 8;

export interface Snapshot {
  seq: number;
  /** 16 hex digits (keys.ts randomEpoch). */
  epoch: string;
  followees: number;
  edges: number;
  /** int32 groups as described above, `followees` of them. */
  body: DataView;
}

export function encodeSnapshot(seq: number, epoch: string, graph: FollowGraph): Uint8Array {
  const epochBytes = Buffer.from(epoch, "hex");
  if (epochBytes.length !== EPOCH_BYTES || epochBytes.toString("hex") !== epoch) throw new Error(`epoch ${JSON.stringify(epoch)} is not 16 hex digits`);
  let followees = 0;
  graph.forEachFollowee(() => followees++);
  const edges = graph.edges;
  const bytes = new Uint8Array(HEADER + 4 * (2 * followees + edges));
  const view = new DataView(bytes.buffer);
  view.setUint32(0, MAGIC, true);
  view.setFloat64(8, seq, true);
  view.setUint32(16, followees, true);
  view.setUint32(20, edges, true);
  bytes.set(epochBytes, 24);
  let at = HEADER;
  graph.forEachFollowee((followee, followers, count) => {
    view.setInt32(at, followee, true);
    view.setInt32(at + 4, count, true);
    at += 8;
    for (let i = 0; i < count; i++, at += 4) view.setInt32(at, followers[i], true);
  });
  return bytes;
}

/** Reads a dump; throws, saying what is wrong, on anything {@link encodeSnapshot} did not write. */
export function decodeSnapshot(bytes: Uint8Array): Snapshot {
  if (bytes.length < HEADER) throw new Error(`snapshot of ${bytes.length} bytes is shorter than its header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC || view.getUint32(4, true) !== 0) throw new Error("snapshot does not start with FMS1");
  const seq = view.getFloat64(8, true);
  const followees = view.getUint32(16, true);
  const edges = view.getUint32(20, true);
  if (!Number.isSafeInteger(seq) || seq < 0) throw new Error(`snapshot has a bad sequence number ${seq}`);
  if (bytes.length !== HEADER + 4 * (2 * followees + edges))
    throw new Error(`snapshot of ${bytes.length} bytes does not hold ${followees} followees and ${edges} edges`);
  let at = HEADER;
  let counted = 0;
  for (let group = 0; group < followees; group++) {
    const count = view.getInt32(at + 4, true);
    if (count < 1 || counted + count > edges) throw new Error(`snapshot followee ${group} has a bad follower count ${count}`);
    counted += count;
    at += 8 + 4 * count;
  }
  const epoch = Buffer.from(bytes.buffer, bytes.byteOffset + 24, EPOCH_BYTES).toString("hex");
  return { seq, epoch, followees, edges, body: new DataView(bytes.buffer, bytes.byteOffset + HEADER, bytes.byteLength - HEADER) };
}

/** Replays a snapshot's edges as follow events (from follower to followee), in the order they were written. */
export function replaySnapshot(snapshot: Snapshot, follow: (kind: number, from: number, to: number) => void): void {
  const body = snapshot.body;
  let at = 0;
  for (let group = 0; group < snapshot.followees; group++) {
    const followee = body.getInt32(at, true);
    const count = body.getInt32(at + 4, true);
    at += 8;
    for (let i = 0; i < count; i++, at += 4) follow(FOLLOW, body.getInt32(at, true), followee);
  }
}
