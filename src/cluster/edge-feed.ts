import type { ClusterKeys } from "./keys.ts";
import { type RedisLink, RedisUnavailableError } from "./redis-link.ts";
import { replaySnapshot } from "./snapshot.ts";
import { entryBytes } from "./stream-entry.ts";
import { catchUp, readMeta, readSnapshot, StreamBrokenError, StreamCursor, streamTop, tail } from "./stream-reader.ts";

/** What the feed drives: the edge's fan-out and its readiness. */
export interface EdgeFeedTarget {
  /** Start over: drop every client and the follower graph; lines will use `delimiter`. `why` is null for the first build. */
  rebuild(delimiter: number, why: string | null): void;
  /** One edge of the snapshot (kind FOLLOW, follower, followee). */
  follow(kind: number, from: number, to: number): void;
  /** CRLF-terminated lines in sequence order. */
  lines(chunk: Uint8Array): void;
  /** End of a batch: write out what it produced. */
  flush(): void;
  /** Caught up with the stream (again): clients may come and be served. */
  ready(): void;
  /** Cannot follow the stream for now (Redis away); clients stay connected. */
  unready(why: string): void;
}

export interface EdgeFeedOptions {
  /** Entries per XRANGE page and per XREAD. */
  count: number;
  /** XREAD BLOCK, at most 5000: the tail connection's watchdog waits this plus a margin. */
  blockMs: number;
  /** How often to look again for an epoch or snapshot that is not there yet. */
  pollMs: number;
  clock: () => number;
}

/** Progress, for the metrics. */
export class EdgeFeedStats {
  /** The last sequence number applied. */
  applied = 0;
  /** The stream's top when last looked at. */
  top = 0;
  /** When the edge was last known to be at the top (clock ms); behind means lag in seconds is now minus this. */
  caughtUpAt = 0;
  /** Whether the feed is at the top and following it. */
  live = false;
  rebuilds = 0;
  entries = 0;
}

/**
 * An edge's view of the stream: builds the follower graph from the snapshot
 * and the entries after it, then tails the stream and hands every entry's
 * lines to the fan-out. Anything that breaks the chain (a trimmed gap, a new
 * epoch after a flush) makes it rebuild from scratch, which drops the
 * clients: it never skips. Redis going away only holds it up.
 */
export class EdgeFeed {
  readonly stats = new EdgeFeedStats();
  private stopped = false;
  private waitingLogged = false;

  constructor(
    /** For XRANGE, the snapshot and the meta hash. */
    private readonly commands: RedisLink,
    /** For the blocking XREAD alone: it holds up every reply behind it on its connection. */
    private readonly tailLink: RedisLink,
    private readonly keys: ClusterKeys,
    private readonly options: EdgeFeedOptions,
    private readonly target: EdgeFeedTarget,
    private readonly note: (message: string) => void,
  ) {}

  /** Runs until {@link stop}. */
  async run(): Promise<void> {
    let why: string | null = null;
    while (!this.stopped) {
      try {
        const cursor = await this.build(why);
        if (cursor === null) return;
        await this.follow(cursor);
        return;
      } catch (error) {
        if (!(error instanceof StreamBrokenError)) throw error;
        why = error.message;
        this.stats.rebuilds++;
        this.stats.live = false;
      }
    }
  }

  stop(): void {
    this.stopped = true;
  }

  /** Snapshot plus catch-up; null if stopped first. Redis going away meanwhile just delays it. */
  private async build(why: string | null): Promise<StreamCursor | null> {
    for (;;) {
      if (this.stopped) return null;
      try {
        const meta = await readMeta(this.commands, this.keys);
        const snapshot = meta === null ? null : await readSnapshot(this.commands, this.keys, meta.epoch);
        if (meta === null || snapshot === null) {
          if (!this.waitingLogged) this.note(`waiting for a sequencer to create ${this.keys.meta} and ${this.keys.snapshot}`);
          this.waitingLogged = true;
          await Bun.sleep(this.options.pollMs);
          continue;
        }
        this.waitingLogged = false;
        this.target.rebuild(meta.delimiter, why);
        replaySnapshot(snapshot, (kind, from, to) => this.target.follow(kind, from, to));
        const cursor = new StreamCursor(meta.epoch, snapshot.seq);
        this.stats.applied = cursor.last;
        await this.catchUp(cursor);
        this.target.flush();
        this.stats.top = Math.max(this.stats.top, cursor.last);
        return cursor;
      } catch (error) {
        if (!(error instanceof RedisUnavailableError)) throw error;
        await this.redisBack(this.commands);
      }
    }
  }

  private async catchUp(cursor: StreamCursor): Promise<void> {
    this.stats.top = await streamTop(this.commands, this.keys);
    await catchUp(this.commands, this.keys, cursor, this.options.count, (entry) => {
      this.target.lines(entryBytes(entry));
      this.stats.applied = entry.last;
      this.stats.entries++;
    });
  }

  /** Tails from `cursor` until stopped; throws StreamBrokenError to have {@link run} rebuild. */
  private async follow(cursor: StreamCursor): Promise<void> {
    this.live();
    while (!this.stopped) {
      let replies: unknown[];
      try {
        replies = await tail(this.tailLink, this.keys, cursor, this.options.count, this.options.blockMs);
        if (replies.length === 0) await this.checkEpoch(cursor);
      } catch (error) {
        if (!(error instanceof RedisUnavailableError)) throw error;
        if (this.stopped) return;
        this.stats.live = false;
        this.target.unready(`lost Redis: ${error.message}`);
        await this.redisBack(this.tailLink);
        await this.redisBack(this.commands);
        await this.checkEpoch(cursor);
        // Anything appended meanwhile comes with the next XREAD.
        this.live();
        continue;
      }
      for (const reply of replies) {
        const entry = cursor.next(reply);
        this.target.lines(entryBytes(entry));
        this.stats.applied = entry.last;
        this.stats.entries++;
      }
      if (replies.length > 0) this.target.flush();
      this.stats.top = Math.max(this.stats.top, cursor.last);
      // A short read means nothing more was waiting: the edge is at the top.
      if (replies.length < this.options.count) this.stats.caughtUpAt = this.options.clock();
    }
  }

  private live(): void {
    this.stats.live = true;
    this.stats.caughtUpAt = this.options.clock();
    this.target.ready();
  }

  /** An idle stream says nothing about a flush: the meta hash does. */
  private async checkEpoch(cursor: StreamCursor): Promise<void> {
    while (!this.stopped) {
      try {
        const meta = await readMeta(this.commands, this.keys);
        if (meta?.epoch !== cursor.epoch) {
          throw new StreamBrokenError(
            meta === null ? `${this.keys.meta} is gone (Redis was flushed or lost its data)` : `the epoch changed from ${cursor.epoch} to ${meta.epoch}`,
          );
        }
        return;
      } catch (error) {
        if (!(error instanceof RedisUnavailableError)) throw error;
        await this.redisBack(this.commands);
      }
    }
  }

  private async redisBack(link: RedisLink): Promise<void> {
    try {
      await link.whenUp();
    } catch {
      this.stopped = true;
    }
  }
}
