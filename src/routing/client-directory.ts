import { type ByteWriter, Outbox, type OutboxGroup } from "./outbox.ts";

const NOBODY: Outbox<never>[] = [];

/**
 * Every connected client's outbox, reachable by dense user index (a user may
 * be connected several times) and as one list for broadcasts. Adding and
 * removing are O(1): each outbox remembers its positions for swap-removal.
 */
export class ClientDirectory<W extends ByteWriter = ByteWriter> implements OutboxGroup {
  /** Every connection, in no particular order. */
  readonly all: Outbox<W>[] = [];
  /** Outboxes appended to since the last {@link flush}. */
  readonly dirty: Outbox<W>[] = [];
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

  /**
   * One write per connection that received anything since the last flush.
   * Connections that overflowed their bound or whose socket is gone are
   * handed to `drop` (after the walk, so it may remove them).
   */
  flush(drop: (outbox: Outbox<W>, overflowed: boolean) => void): void {
    const dirty = this.dirty;
    const n = dirty.length;
    if (n === 0) return;
    let failed: Outbox<W>[] | null = null;
    for (let i = 0; i < n; i++) {
      const outbox = dirty[i];
      // A removed outbox refuses to flush too, but it is already gone.
      if (!outbox.flush() && outbox.allPosition >= 0) {
        failed ??= [];
        failed.push(outbox);
      }
    }
    dirty.length = 0;
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
