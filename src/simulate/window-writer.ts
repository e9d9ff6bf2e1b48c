import type { EventWindow, WindowSizes } from "./event-window.ts";
import { HEAD, RECLAIMED } from "./event-window.ts";
import { type Batch, BROADCAST } from "./workload.ts";

/** Copies the first `length` values of `source` into `ring` from absolute position `at`, wrapping at its end. */
function ringSet<T extends Uint8Array | Int32Array>(ring: T, at: number, source: T, length: number): void {
  const start = at & (ring.length - 1);
  const first = Math.min(length, ring.length - start);
  ring.set(source.subarray(0, first), start);
  if (first < length) ring.set(source.subarray(first, length), 0);
}

/** What the event sender still needs of the window: events it has not stamped, bytes it has not written; and whether it can take another batch. */
export interface SenderNeeds {
  readonly neededSeq: number;
  readonly neededByte: number;
  readonly full: boolean;
}

/**
 * The generator's end of the window (main thread): appends batches when
 * there is room, and frees what the sender has written and every client
 * thread has verified. Positions are absolute; their slots wrap.
 */
export class WindowWriter {
  /** Bytes, recipients and notifications appended so far. */
  private bytesHead = 0;
  private recipientsHead = 0;
  private notificationsHead = 0;
  private head = 0;
  private oldest = 1;
  /** By event slot: where its batch starts in the byte stream, and the notifications appended before it (both mod 2^32). */
  private readonly batchStart: Uint32Array;
  private readonly notificationsBefore: Uint32Array;

  constructor(
    private readonly window: EventWindow,
    private readonly sizes: WindowSizes,
    private readonly clients: number,
  ) {
    this.batchStart = new Uint32Array(sizes.events);
    this.notificationsBefore = new Uint32Array(sizes.events);
  }

  /** Whether `batch` can be appended now; it always can once the window is empty, if it fits the window at all. */
  fits(batch: Batch, sender: SenderNeeds): boolean {
    const oldest = this.reclaim(sender.neededSeq);
    const bytes = Math.max(this.bytesHead - sender.neededByte, this.used(oldest, this.bytesHead, this.batchStart));
    const recipients = this.used(oldest, this.recipientsHead, this.window.buffers.recipientStart);
    const notifications = this.used(oldest, this.notificationsHead, this.notificationsBefore);
    const empty = oldest > this.head && sender.neededByte === this.bytesHead;
    if (empty && (batch.byteLength > this.sizes.bytes || batch.recipientCount > this.sizes.recipients)) {
      throw new Error(`a batch of ${batch.last - batch.first + 1} events does not fit the simulator's window: lower maxEventSourceBatchSize`);
    }
    return (
      !sender.full &&
      batch.last - oldest < this.sizes.events &&
      bytes + batch.byteLength <= this.sizes.bytes &&
      recipients + batch.recipientCount <= this.sizes.recipients &&
      (empty || notifications + batch.notifications <= this.sizes.notifications)
    );
  }

  /**
   * After fits() said no, and the sender was pumped since: whether the room
   * can only come from the client threads (or the sender has moved on since),
   * so the caller must look again later, as nothing else will call it. Judged
   * by the bound fits() freed up to, not by the retentions now: a client
   * thread that catches up after fits() looked would otherwise leave the
   * caller waiting for a wake-up that never comes. While the sender still
   * needs that bound's event, its drain or pace timer brings the next look.
   */
  mustPoll(sender: SenderNeeds): boolean {
    return this.oldest < sender.neededSeq;
  }

  /** Appends `batch` (it must fit) and publishes it; returns where its bytes start. */
  append(batch: Batch): number {
    const { lineStart, lineLength, sentAt, fanout, recipientStart, bytes, recipients } = this.window.buffers;
    const mask = this.window.eventMask;
    const start = this.bytesHead;
    ringSet(bytes, start, batch.bytes, batch.byteLength);
    ringSet(recipients, this.recipientsHead, batch.recipients, batch.recipientCount);
    for (let k = 0; k <= batch.last - batch.first; k++) {
      const slot = (batch.first + k) & mask;
      const spread = batch.fanout[k] as number;
      lineStart[slot] = (start + (batch.lineStart[k] as number)) >>> 0;
      lineLength[slot] = batch.lineLength[k] as number;
      sentAt[slot] = Number.NaN;
      fanout[slot] = spread;
      recipientStart[slot] = this.recipientsHead >>> 0;
      this.batchStart[slot] = start >>> 0;
      this.notificationsBefore[slot] = this.notificationsHead >>> 0;
      if (spread === BROADCAST) {
        this.notificationsHead += this.clients;
      } else {
        this.recipientsHead += spread;
        this.notificationsHead += spread;
      }
    }
    this.bytesHead += batch.byteLength;
    this.head = batch.last;
    Atomics.store(this.window.buffers.control, HEAD, batch.last);
    return start;
  }

  /** From the slot of the oldest event still needed, how much of a stream with `head` is in use (0 when none is). */
  private used(oldest: number, head: number, startOf: Uint32Array): number {
    return oldest > this.head ? 0 : (head - (startOf[oldest & this.window.eventMask] as number)) >>> 0;
  }

  /**
   * Frees every event that the sender and all client threads are past. The
   * bound is published before it is checked again, so a client thread that
   * lowers its retention to quote older lines in a report either sees the
   * new bound or holds the generator back (see Expectations.hold).
   */
  private reclaim(senderSeq: number): number {
    const control = this.window.buffers.control;
    const wanted = Math.min(senderSeq, this.window.retained());
    if (wanted > this.oldest) {
      Atomics.store(control, RECLAIMED, wanted);
      this.oldest = Math.max(this.oldest, Math.min(wanted, this.window.retained()));
      Atomics.store(control, RECLAIMED, this.oldest);
    }
    return this.oldest;
  }
}
