import type { EventWindow } from "./event-window.ts";
import { Int32Queue } from "./growable.ts";
import { BROADCAST } from "./workload.ts";

/** How often, at most, a client thread tells the generator what it still needs. */
const PUBLISH_MS = 1;

/**
 * What one client thread's clients are owed: it reads each new event's
 * recipients from the window, in sequence order, and queues the event for
 * each of its own clients it notifies. Tells the generator the oldest event
 * any of them still waits for, so the generator can reuse what is older.
 */
export class Expectations {
  /** Events read so far (1 … scanned). */
  scanned = 0;
  /** By the thread's own client: the events it is owed, oldest first. */
  readonly queues: Int32Queue[];
  /** By run client: its index among this thread's clients, or −1. */
  private readonly local: Int32Array;
  private publishedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly window: EventWindow,
    private readonly thread: number,
    clients: readonly number[],
    runClients: number,
    /** Events in the run. */
    readonly events: number,
  ) {
    this.queues = clients.map(() => new Int32Queue());
    this.local = new Int32Array(runClients).fill(-1);
    clients.forEach((client, index) => {
      this.local[client] = index;
    });
  }

  /** Every event of the run has been read: the queues hold all that is still owed. */
  get complete(): boolean {
    return this.scanned === this.events;
  }

  /** Reads what the generator has appended since the last call. */
  scan(): void {
    const head = this.window.head();
    if (head === this.scanned) return;
    const { fanout, recipientStart, recipients } = this.window.buffers;
    const { eventMask, recipientMask } = this.window;
    const { queues, local } = this;
    for (let seq = this.scanned + 1; seq <= head; seq++) {
      const slot = seq & eventMask;
      const spread = fanout[slot] as number;
      if (spread === BROADCAST) {
        for (let c = 0; c < queues.length; c++) (queues[c] as Int32Queue).push(seq);
        continue;
      }
      const at = recipientStart[slot] as number;
      for (let j = 0; j < spread; j++) {
        const mine = local[recipients[(at + j) & recipientMask] as number] as number;
        if (mine >= 0) (queues[mine] as Int32Queue).push(seq);
      }
    }
    this.scanned = head;
  }

  /** Tells the generator the oldest event still needed, at most every PUBLISH_MS unless `now` is omitted. */
  publish(now?: number): void {
    if (now !== undefined && now - this.publishedAt < PUBLISH_MS) return;
    this.publishedAt = now ?? this.publishedAt;
    let oldest = this.scanned + 1;
    for (const queue of this.queues) if (queue.length > 0 && queue.peek() < oldest) oldest = queue.peek();
    this.window.retain(this.thread, oldest);
  }

  /**
   * Keeps events from `seq` on, for quoting them in a failure report, and
   * returns the oldest event that is certainly still there. The retention is
   * lowered before the reclaimed bound is read, and the generator publishes
   * its bound before reading retentions again, so one of the two sees the other.
   */
  hold(seq: number): number {
    if (seq < this.window.retention(this.thread)) this.window.retain(this.thread, seq);
    return this.window.reclaimed();
  }
}
