/**
 * The part of a run that is in flight, in shared memory: the generator (main
 * thread) appends batches at the front, the event sender writes their bytes
 * out, and the client threads read each event's line and recipients to
 * verify what their clients receive. Everything is a ring, so memory is the
 * same for 1,000 events as for 100 million; the generator waits for room
 * (see WindowWriter) until the sender and every client thread are done with
 * the oldest events.
 */

/** What crosses to a client thread: the buffers, which are shared, not copied. */
export interface WindowBuffers {
  control: Int32Array;
  bytes: Uint8Array;
  lineStart: Uint32Array;
  lineLength: Uint8Array;
  sentAt: Float64Array;
  fanout: Int32Array;
  recipientStart: Uint32Array;
  recipients: Int32Array;
}

export interface WindowSizes {
  /** Events in the window (a power of two). */
  events: number;
  /** Bytes of lines (a power of two). */
  bytes: number;
  /** Recipients of non-broadcast events (a power of two). */
  recipients: number;
  /** Notifications owed by the window's events, broadcasts included: bounds what the client threads queue. */
  notifications: number;
  /**
   * Batches handed to the event sender and not yet written whole (a power
   * of two; main thread only). Counted apart from events because a ring of
   * one slot per window event fills a batch at a time: its pages were still
   * being touched 26M events into a run, so the peak RSS grew with the run.
   */
  batches: number;
}

/** Sized so the default run never waits on the window, while the whole simulator stays far under 200 MB. */
export const WINDOW_SIZES: WindowSizes = { events: 1 << 19, bytes: 1 << 24, recipients: 1 << 21, notifications: 1 << 21, batches: 1 << 16 };

/** control[]: the last event appended, the one below which the generator may overwrite, and per client thread the oldest event it still needs. */
export const HEAD = 0;
export const RECLAIMED = 1;
const RETAIN = 2;

export class EventWindow {
  readonly eventMask: number;
  readonly byteMask: number;
  readonly recipientMask: number;

  constructor(readonly buffers: WindowBuffers) {
    this.eventMask = buffers.lineLength.length - 1;
    this.byteMask = buffers.bytes.length - 1;
    this.recipientMask = buffers.recipients.length - 1;
  }

  static create(sizes: WindowSizes, threads: number): EventWindow {
    const shared = <T>(make: new (buffer: SharedArrayBuffer) => T, bytesPer: number, length: number) => new make(new SharedArrayBuffer(bytesPer * length));
    const control = shared(Int32Array, 4, RETAIN + threads);
    control[RECLAIMED] = 1;
    for (let t = 0; t < threads; t++) control[RETAIN + t] = 1;
    return new EventWindow({
      control,
      bytes: shared(Uint8Array, 1, sizes.bytes),
      lineStart: shared(Uint32Array, 4, sizes.events),
      lineLength: shared(Uint8Array, 1, sizes.events),
      sentAt: shared(Float64Array, 8, sizes.events).fill(Number.NaN),
      fanout: shared(Int32Array, 4, sizes.events),
      recipientStart: shared(Uint32Array, 4, sizes.events),
      recipients: shared(Int32Array, 4, sizes.recipients),
    });
  }

  get threads(): number {
    return this.buffers.control.length - RETAIN;
  }

  /** The last event appended (0 before any). */
  head(): number {
    return Atomics.load(this.buffers.control, HEAD);
  }

  /** Client thread `thread` no longer needs events before `seq`. */
  retain(thread: number, seq: number): void {
    Atomics.store(this.buffers.control, RETAIN + thread, seq);
  }

  /** The oldest event client thread `thread` last said it needs. */
  retention(thread: number): number {
    return Atomics.load(this.buffers.control, RETAIN + thread);
  }

  /** The oldest event some client thread still needs. */
  retained(): number {
    let oldest = Number.POSITIVE_INFINITY;
    for (let t = 0; t < this.threads; t++) oldest = Math.min(oldest, Atomics.load(this.buffers.control, RETAIN + t));
    return oldest;
  }

  /** Events before this one may already have been overwritten. */
  reclaimed(): number {
    return Atomics.load(this.buffers.control, RECLAIMED);
  }

  /** Event `seq`'s line, CRLF included, copied out (for reports). */
  line(seq: number): Uint8Array {
    const { bytes, lineStart, lineLength } = this.buffers;
    const start = lineStart[seq & this.eventMask] as number;
    const out = new Uint8Array(lineLength[seq & this.eventMask] as number);
    for (let k = 0; k < out.length; k++) out[k] = bytes[(start + k) & this.byteMask] as number;
    return out;
  }
}
