import type { ClusterKeys } from "./keys.ts";
import type { RedisLink } from "./redis-link.ts";
import { decodeSnapshot, type Snapshot } from "./snapshot.ts";
import { decodeEntry, entryId, idSeq, type StreamEntry } from "./stream-entry.ts";

/** What was built on is gone (another epoch) or no longer in the stream (trimmed past us): rebuild from the snapshot. */
export class StreamBrokenError extends Error {
  override readonly name = "StreamBrokenError";
}

export interface ClusterMeta {
  epoch: string;
  /** The field separator of the lines in the stream. */
  delimiter: number;
}

/** `<prefix>:meta`, or null while no sequencer has created it (or after a flush). */
export async function readMeta(link: RedisLink, keys: ClusterKeys): Promise<ClusterMeta | null> {
  const meta = (await link.send("HGETALL", [keys.meta])) as Record<string, string> | null;
  const epoch = meta?.epoch;
  const delimiter = meta?.delimiter;
  if (epoch === undefined || delimiter === undefined || delimiter.length !== 1) return null;
  return { epoch, delimiter: delimiter.charCodeAt(0) };
}

/** The snapshot of `epoch`, or null when there is none (yet) or it belongs to another epoch. */
export async function readSnapshot(link: RedisLink, keys: ClusterKeys, epoch: string): Promise<Snapshot | null> {
  const bytes = await link.call((client) => client.getBuffer(keys.snapshot));
  if (bytes === null) return null;
  const snapshot = decodeSnapshot(bytes);
  return snapshot.epoch === epoch ? snapshot : null;
}

/**
 * Where a reader of the stream stands: the epoch it builds on and the last
 * sequence number applied. Every entry must continue exactly from there:
 * XRANGE and XREAD from a trimmed position return the next surviving entries
 * without any error, so the check is ours to make.
 */
export class StreamCursor {
  constructor(
    readonly epoch: string,
    public last: number,
  ) {}

  /** The ID to read after. */
  get id(): string {
    return entryId(this.last);
  }

  /** Decodes one reply entry and checks it continues the stream; advances past it. */
  next(reply: unknown): StreamEntry {
    const entry = decodeEntry(reply);
    if (entry.epoch !== this.epoch)
      throw new StreamBrokenError(`the stream's epoch changed from ${this.epoch} to ${entry.epoch} (Redis was flushed or lost its data)`);
    if (entry.first !== this.last + 1) {
      throw new StreamBrokenError(`the stream continues at ${entry.first}, not ${this.last + 1}: what came between was trimmed`);
    }
    this.last = entry.last;
    return entry;
  }
}

/**
 * Pages `XRANGE key (<last>-0 + COUNT n` until a page comes back short,
 * handing each entry to `apply`. Resolves to the number of entries read.
 */
export async function catchUp(
  link: RedisLink,
  keys: ClusterKeys,
  cursor: StreamCursor,
  pageSize: number,
  apply: (entry: StreamEntry) => void,
): Promise<number> {
  let entries = 0;
  for (;;) {
    const page = (await link.send("XRANGE", [keys.events, `(${cursor.id}`, "+", "COUNT", String(pageSize)])) as unknown[];
    for (const reply of page) apply(cursor.next(reply));
    entries += page.length;
    if (page.length < pageSize) return entries;
  }
}

/**
 * One `XREAD COUNT n BLOCK ms STREAMS key <last>-0` on a connection of its
 * own: resolves to the entries' replies, empty when BLOCK ran out.
 */
export async function tail(link: RedisLink, keys: ClusterKeys, cursor: StreamCursor, count: number, blockMs: number): Promise<unknown[]> {
  const reply = (await link.send("XREAD", ["COUNT", String(count), "BLOCK", String(blockMs), "STREAMS", keys.events, cursor.id])) as Record<
    string,
    unknown[]
  > | null;
  return reply?.[keys.events] ?? [];
}

/** The last sequence number in the stream (XINFO STREAM's last-generated-id), 0 when it is empty or missing. */
export async function streamTop(link: RedisLink, keys: ClusterKeys): Promise<number> {
  try {
    const info = (await link.send("XINFO", ["STREAM", keys.events])) as Record<string, unknown>;
    return idSeq(String(info["last-generated-id"]));
  } catch (error) {
    if (error instanceof Error && error.message.includes("no such key")) return 0;
    throw error;
  }
}
