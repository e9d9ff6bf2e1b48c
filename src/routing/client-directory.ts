import { type ByteWriter, Outbox, type OutboxGroup } from "./outbox.ts";
import { ReadBatch } from "./read-batch.ts";

const NOBODY: Outbox<never>[] = [];

/**
 * Every connected client's outbox, reachable by dense user index (a user may
 * be connected several times) and as one list for broadcasts, and the read
 * cycle's batch they all queue into. Adding and removing are O(1): each
 * outbox remembers its positions for swap-removal.
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
  private byUser: Outbox<W>[][] = [];
  private onlineUsers = 0;

  constructor(readonly maxQueuedBytes: number) {}

  get connections(): number {
    return this.all.length;
  }

  /** Distinct users with at least one connection. */
  get users(): number {
    return this.onlineUsers;
  }

  connectionsOf(user: number): Outbox<W>[] {
    return user < this.byUser.length ? this.byUser[user] : NOBODY;
  }

  add(user: number, writer: W): Outbox<W> {
    const outbox = new Outbox(user, writer, this.maxQueuedBytes, this);
    while (this.byUser.length <= user) this.byUser.push(NOBODY);
    let list = this.byUser[user];
    if (list === NOBODY) {
      list = [];
      this.byUser[user] = list;
      this.onlineUsers++;
    }
    outbox.userPosition = list.length;
    list.push(outbox);
    outbox.allPosition = this.all.length;
    this.all.push(outbox);
    return outbox;
  }

  /** Forgets a connection; safe to call twice. Its queued bytes are discarded. */
  remove(outbox: Outbox<W>): void {
    if (outbox.allPosition < 0) return;
    swapRemove(this.all, outbox.allPosition, (moved, position) => (moved.allPosition = position));
    const list = this.byUser[outbox.user];
    swapRemove(list, outbox.userPosition, (moved, position) => (moved.userPosition = position));
    if (list.length === 0) {
      this.byUser[outbox.user] = NOBODY;
      this.onlineUsers--;
    }
    outbox.allPosition = outbox.userPosition = -1;
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

  /** Queues the line stored at `at` (`length` bytes before its CRLF) for each of `outboxes`. */
  queue(outboxes: Outbox<W>[], at: number, length: number): void {
    const batch = this.batch;
    for (let i = 0; i < outboxes.length; i++) outboxes[i].queue(batch, at, length + 2);
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

function swapRemove<W extends ByteWriter>(list: Outbox<W>[], position: number, moved: (outbox: Outbox<W>, position: number) => void): void {
  const last = list.pop() as Outbox<W>;
  if (position < list.length) {
    list[position] = last;
    moved(last, position);
  }
}
