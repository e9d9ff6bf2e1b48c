import { type ByteWriter, Outbox, type OutboxGroup } from "./outbox.ts";
import { ReadBatch } from "./read-batch.ts";

/**
 * Every connected client's outbox, reachable by dense user index (a user may
 * be connected several times) and as one list for broadcasts, and the read
 * cycle's batch they all queue into. Adding and removing are O(1): an outbox
 * remembers its position in `all` for swap-removal, and a user's connections
 * are a list threaded through their outboxes, so a user costs one slot
 * rather than an array of its own (10,000 of them at 10,000 clients).
 */
export class ClientDirectory<W extends ByteWriter = ByteWriter> implements OutboxGroup {
  /** Every connection, in no particular order. */
  readonly all: Outbox<W>[] = [];
  /** Outboxes queued to since the last {@link flush}, other than by broadcast. */
  readonly dirty: Outbox<W>[] = [];
  /** What this cycle routed, until the {@link flush}. */
  readonly batch = new ReadBatch();
  /** Bytes the sockets have taken, over all connections ever. */
  sentBytes = 0;
  /** Bytes queued across all connections, as of each one's last flush. */
  queuedBytes = 0;
  /** Each user's newest connection, or null; the others follow it through {@link Outbox.nextOfUser}. */
  private firsts: (Outbox<W> | null)[] = [];
  private onlineUsers = 0;

  constructor(readonly maxQueuedBytes: number) {}

  get connections(): number {
    return this.all.length;
  }

  /** Distinct users with at least one connection. */
  get users(): number {
    return this.onlineUsers;
  }

  /** The first of `user`'s connections (the rest follow through {@link Outbox.nextOfUser}), or null when it has none. */
  firstConnectionOf(user: number): Outbox<W> | null {
    return user < this.firsts.length ? this.firsts[user] : null;
  }

  add(user: number, writer: W): Outbox<W> {
    const outbox = new Outbox(user, writer, this);
    while (this.firsts.length <= user) this.firsts.push(null);
    const next = this.firsts[user];
    if (next === null) this.onlineUsers++;
    else {
      next.previousOfUser = outbox;
      outbox.nextOfUser = next;
    }
    this.firsts[user] = outbox;
    outbox.allPosition = this.all.length;
    this.all.push(outbox);
    return outbox;
  }

  /** Forgets a connection; safe to call twice. Its queued bytes are discarded. */
  remove(outbox: Outbox<W>): void {
    if (outbox.allPosition < 0) return;
    const last = this.all.pop() as Outbox<W>;
    if (outbox.allPosition < this.all.length) {
      this.all[outbox.allPosition] = last;
      last.allPosition = outbox.allPosition;
    }
    const { previousOfUser: previous, nextOfUser: next } = outbox;
    if (next !== null) next.previousOfUser = previous;
    if (previous !== null) previous.nextOfUser = next;
    else {
      this.firsts[outbox.user] = next;
      if (next === null) this.onlineUsers--;
    }
    outbox.previousOfUser = outbox.nextOfUser = null;
    outbox.allPosition = -1;
    outbox.withdraw();
  }

  /** Queues `line[start, start + length)` for every connection; returns how many that is. */
  broadcast(line: Uint8Array, start: number, length: number): number {
    const n = this.all.length;
    if (n > 0) this.batch.broadcast(line, start, length);
    return n;
  }

  /** Stores `line[start, start + length)` for {@link queue}, once however many it goes to; returns where. */
  store(line: Uint8Array, start: number, length: number): number {
    return this.batch.line(line, start, length);
  }

  /** Queues the line stored at `at` (`length` bytes before its CRLF) for `first` and the connections after it; returns how many that is. */
  queue(first: Outbox<W>, at: number, length: number): number {
    const batch = this.batch;
    let n = 0;
    for (let outbox: Outbox<W> | null = first; outbox !== null; outbox = outbox.nextOfUser) {
      outbox.queue(batch, at, length + 2);
      n++;
    }
    return n;
  }

  /**
   * One write per connection that received anything since the last flush:
   * every connection when the cycle had a broadcast. Connections that
   * overflowed their bound or whose socket is gone are handed to `drop`
   * (after the walk, so it may remove them).
   */
  flush(drop: (outbox: Outbox<W>, overflowed: boolean) => void): void {
    const batch = this.batch;
    const dirty = this.dirty;
    const list = batch.broadcasts > 0 ? this.all : dirty;
    const n = list.length;
    let failed: Outbox<W>[] | null = null;
    for (let i = 0; i < n; i++) {
      const outbox = list[i];
      // A removed outbox refuses to flush too, but it is already gone.
      if (!outbox.flush(batch) && outbox.allPosition >= 0) {
        failed ??= [];
        failed.push(outbox);
      }
    }
    dirty.length = 0;
    batch.reset();
    if (failed) for (const outbox of failed) drop(outbox, outbox.overflowed);
  }
}
