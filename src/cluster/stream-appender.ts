import { systemErrorCode } from "../errors.ts";
import { NOOP } from "../protocol/event-kind.ts";
import type { FollowGraph } from "./follow-graph.ts";
import type { ClusterKeys } from "./keys.ts";
import { type Lease, LeaseLostError } from "./lease.ts";
import { type RedisLink, RedisUnavailableError } from "./redis-link.ts";
import { encodeSnapshot } from "./snapshot.ts";
import { entryId, xaddArguments } from "./stream-entry.ts";
import { streamTop } from "./stream-reader.ts";

const CRLF_CR = 0x0d;
const CRLF_LF = 0x0a;

export interface AppenderOptions {
  /** Write a snapshot (and trim) every this many sequence numbers. */
  snapshotEvery: number;
  /** Batches queued while an XADD is in flight are merged into one entry up to this size. */
  maxEntryBytes: number;
  /** Milliseconds on a monotonic clock, for the append latency. */
  clock: () => number;
}

/** What the appender reports; none of it is on the per-event path. */
export interface AppenderHooks {
  /** `events` sequence numbers are now stored, `latencyMs` after their cycle ended. */
  appended(events: number, latencyMs: number): void;
  /** The queue fell below the bound again after {@link StreamAppender.full}: sources may resume. */
  room(): void;
  /** Appending stopped or resumed because Redis is away or back (once per change). */
  paused(reason: string | null): void;
  /** A Redis command failed (counted for the metrics). */
  redisError(error: unknown): void;
  /** Snapshot `seq` written; the stream trimmed below the previous one. */
  snapshotted(seq: number, bytes: number): void;
  /**
   * A fenced write found the lease not ours. Resolves to true when the
   * caller got it back with the stream untouched meanwhile (it lapsed while
   * Redis was away): appending goes on. False stops the appender for good.
   */
  leaseLost(error: LeaseLostError): Promise<boolean>;
}

interface Batch {
  first: number;
  last: number;
  lines: string;
  /** The graph after `last`, when a snapshot was due. */
  snapshot: Uint8Array | null;
  endedAt: number;
}

/**
 * The sequencer's end of the stream: an ordered-events sink (the seam of
 * pipeline/ordered-events.ts) that turns each cycle's events into one batch
 * and appends batches strictly in order, one XADD in flight at a time, every
 * one fenced by the lease. While one is in flight the next cycles queue up
 * and go out together as the next entry, so the entry size follows the load.
 * It also keeps the follower graph, to snapshot it every `snapshotEvery`
 * numbers and then trim what the previous snapshot covers.
 *
 * Failures: a lost connection pauses appending until Redis is back, then
 * re-reads the stream's top and drops what already got stored (its reply was
 * lost) before going on, so nothing is appended twice or out of order. An
 * XADD refused as "equal or smaller than the top" is handled the same way.
 * A lost lease stops everything at once.
 */
export class StreamAppender {
  private bytes = new Uint8Array(64 * 1024);
  private length = 0;
  private first = 0;
  private last = 0;
  private readonly queue: Batch[] = [];
  /** Sequence numbers queued and not yet known to be stored. */
  private queued = 0;
  private writing = false;
  private stopped = false;
  private wasFull = false;
  /** Appending is held up by Redis (reported through hooks.paused). */
  private paused = false;
  private lastSnapshot: number;
  /** What the snapshot before the last covered: the stream is trimmed up to it. */
  private previousSnapshot: number;
  /** The last sequence number known to be in the stream. */
  stored: number;

  constructor(
    private readonly link: RedisLink,
    private readonly lease: Lease,
    private readonly keys: ClusterKeys,
    private readonly epoch: string,
    private readonly graph: FollowGraph,
    /** The stream's top and the latest snapshot's sequence number when we took over. */
    start: { top: number; snapshot: number },
    private readonly maxQueued: number,
    private readonly options: AppenderOptions,
    private readonly hooks: AppenderHooks,
  ) {
    this.stored = start.top;
    this.lastSnapshot = this.previousSnapshot = start.snapshot;
  }

  /** Too many numbers wait to be stored: the caller should stop reading event sources. */
  get full(): boolean {
    return this.queued >= this.maxQueued;
  }

  /** Sequence numbers queued and not yet stored. */
  get backlog(): number {
    return this.queued;
  }

  event(seq: number, kind: number, from: number, to: number, line: Uint8Array, start: number, length: number): void {
    if (this.first === 0) this.first = seq;
    this.last = seq;
    if (kind === NOOP) return;
    this.graph.apply(kind, from, to);
    const end = this.length + length + 2;
    if (end > this.bytes.length) {
      const grown = new Uint8Array(Math.max(end, this.bytes.length * 2));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    const bytes = this.bytes;
    for (let i = 0; i < length; i++) bytes[this.length + i] = line[start + i];
    bytes[end - 2] = CRLF_CR;
    bytes[end - 1] = CRLF_LF;
    this.length = end;
  }

  skipped(from: number, to: number): void {
    if (this.first === 0) this.first = from;
    this.last = to;
  }

  /** End of a cycle: queue what it produced as one batch, and make sure the writer runs; once stopped, drop it. */
  flush(): void {
    if (this.first === 0) return;
    if (this.stopped) {
      this.first = this.last = this.length = 0;
      return;
    }
    const due = this.last - this.lastSnapshot >= this.options.snapshotEvery;
    this.queue.push({
      first: this.first,
      last: this.last,
      lines: Buffer.from(this.bytes.buffer, 0, this.length).toString("latin1"),
      snapshot: due ? encodeSnapshot(this.last, this.epoch, this.graph) : null,
      endedAt: this.options.clock(),
    });
    if (due) this.lastSnapshot = this.last;
    this.queued += this.last - this.first + 1;
    this.first = this.last = this.length = 0;
    if (this.full) this.wasFull = true;
    if (!this.writing) void this.write();
  }

  /** Stops appending (what is queued stays unwritten); resolves once no command is in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    while (this.writing) await Bun.sleep(5);
  }

  /** Resolves once everything queued so far is stored (or appending stopped). */
  async drained(): Promise<void> {
    while (this.writing && !this.stopped) await Bun.sleep(5);
  }

  private async write(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length > 0 && !this.stopped) {
        const taken = this.take();
        const batches = this.queue.slice(0, taken);
        const head = batches[0] as Batch;
        const tail = batches[taken - 1] as Batch;
        const lines = taken === 1 ? head.lines : batches.map((batch) => batch.lines).join("");
        try {
          await this.lease.fenced(
            "XADD",
            this.keys.events,
            xaddArguments(this.keys.events, { first: head.first, last: tail.last, epoch: this.epoch, lines }).slice(1),
          );
        } catch (error) {
          if (error instanceof LeaseLostError) {
            if (!(await this.lostLease(error))) return;
            continue;
          }
          this.hooks.redisError(error);
          if (error instanceof RedisUnavailableError) {
            this.pause(error.message);
            if (!(await this.backUp())) return;
          } else if (!isAtOrBelowTop(error)) {
            // OOM, LOADING, MISCONF…: Redis is there but cannot take it now; try again shortly.
            this.pause((error as Error).message);
            await Bun.sleep(200);
          }
          if (!(await this.resync())) return;
          continue;
        }
        if (this.paused) {
          this.paused = false;
          this.hooks.paused(null);
        }
        this.confirm(taken);
        if (tail.snapshot !== null) await this.snapshot(tail.last, tail.snapshot);
      }
    } finally {
      this.writing = false;
    }
  }

  /** Tells of the first failure of an outage only. */
  private pause(reason: string): void {
    if (this.paused) return;
    this.paused = true;
    this.hooks.paused(reason);
  }

  /** How many queued batches go into the next entry: at least one, then up to the size bound, ending at a snapshot. */
  private take(): number {
    let size = 0;
    let taken = 0;
    for (const batch of this.queue) {
      if (taken > 0 && size + batch.lines.length > this.options.maxEntryBytes) break;
      size += batch.lines.length;
      taken++;
      if (batch.snapshot !== null) break;
    }
    return taken;
  }

  private confirm(batches: number): void {
    const now = this.options.clock();
    for (const batch of this.queue.splice(0, batches)) {
      const events = batch.last - batch.first + 1;
      this.queued -= events;
      this.stored = batch.last;
      this.hooks.appended(events, now - batch.endedAt);
    }
    if (this.wasFull && !this.full) {
      this.wasFull = false;
      this.hooks.room();
    }
  }

  /** Waits for the link; false if appending stopped meanwhile. */
  private async backUp(): Promise<boolean> {
    try {
      await this.link.whenUp();
    } catch {
      return false;
    }
    return !this.stopped;
  }

  /**
   * After a failure: what is the stream's top now? Batches at or below it
   * were stored by the XADD whose reply we lost; they are confirmed and the
   * rest go out next. Retries until Redis answers; false if stopped.
   */
  private async resync(): Promise<boolean> {
    for (;;) {
      if (this.stopped) return false;
      try {
        const top = await streamTop(this.link, this.keys);
        let stored = 0;
        while (stored < this.queue.length && (this.queue[stored] as Batch).last <= top) stored++;
        const next = this.queue[stored];
        if (next !== undefined && next.first <= top) {
          throw new Error(`stream top ${entryId(top)} falls inside the batch ${next.first}-${next.last}: another writer?`);
        }
        const snapshots = this.queue.slice(0, stored).filter((batch) => batch.snapshot !== null);
        this.confirm(stored);
        for (const batch of snapshots) await this.snapshot(batch.last, batch.snapshot as Uint8Array);
        return true;
      } catch (error) {
        if (error instanceof LeaseLostError) {
          if (!(await this.lostLease(error))) return false;
          continue;
        }
        this.hooks.redisError(error);
        if (error instanceof RedisUnavailableError) {
          if (!(await this.backUp())) return false;
        } else {
          await Bun.sleep(200);
        }
      }
    }
  }

  /** Stores the snapshot at `seq`, then trims what the previous one covered; a failure only postpones both to the next snapshot. */
  private async snapshot(seq: number, bytes: Uint8Array): Promise<void> {
    try {
      await this.lease.fenced("SET", this.keys.snapshot, [bytes]);
      await this.lease.fenced("XTRIM", this.keys.events, ["MINID", "~", entryId(this.previousSnapshot + 1)]);
      this.previousSnapshot = seq;
      this.hooks.snapshotted(seq, bytes.length);
    } catch (error) {
      if (error instanceof LeaseLostError) await this.lostLease(error);
      else this.hooks.redisError(error);
    }
  }

  /** True when the lease is ours again and appending goes on; false stops it. */
  private async lostLease(error: LeaseLostError): Promise<boolean> {
    if (this.stopped) return false;
    if (await this.hooks.leaseLost(error)) return !this.stopped;
    this.stopped = true;
    return false;
  }
}

function isAtOrBelowTop(error: unknown): boolean {
  return systemErrorCode(error) === "ERR_REDIS_SERVER_ERROR" && error instanceof Error && error.message.includes("equal or smaller than the target stream top");
}
