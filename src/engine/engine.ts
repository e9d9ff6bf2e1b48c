import { ReorderBuffer } from "../ordering/reorder-buffer.ts";
import type { OrderedEvents } from "../pipeline/ordered-events.ts";
import { NOOP } from "../protocol/event-kind.ts";
import { ParsedEvent, type Problem, parseEventLine, UNREADABLE } from "../protocol/event-line.ts";
import type { LineSink } from "../protocol/line-framer.ts";
import { AppliedArrivals, type LatencySink } from "./applied-arrivals.ts";

export interface EngineOptions {
  /** Field separator byte, `|` by default. */
  delimiter: number;
  /** The first sequence number to apply. */
  startSeq: number;
  /** Held events at which reading should pause. */
  maxPending: number;
}

/** Where a read's bytes go to be framed: an event source's LineFramer, which hands its lines to the engine. */
export interface Framer {
  push(chunk: Uint8Array): void;
}

/** Milliseconds on a monotonic clock. */
export type Clock = () => number;

/** What the engine measures with: the clock it stamps reads with, and where each event's delivery latency goes. */
export interface EngineTiming {
  clock: Clock;
  latency: LatencySink;
}

const UNTIMED: EngineTiming = { clock: () => 0, latency: { observe() {} } };

/** What the engine reports for the operator; all calls are off the hot path. */
export interface EngineObserver {
  /** `buf[start, end)` was dropped; `keptPlace` when its sequence number still counts as applied. */
  malformed(problem: Problem, buf: Uint8Array, start: number, end: number, keptPlace: boolean): void;
  oversized(length: number): void;
  duplicate(seq: number): void;
  gapSkipped(from: number, to: number): void;
}

/** Counters of what happened to the lines read; plain fields, bumped in place. */
export class EngineCounters {
  /** Lines read from event sources, good or bad (over-long ones are counted apart, in `oversized`). */
  lines = 0;
  /** Events applied in order (including malformed lines kept as no-ops). */
  applied = 0;
  malformed = 0;
  oversized = 0;
  duplicates = 0;
  /** Sequence numbers given up on by the gap timeout. */
  skipped = 0;
}

/**
 * The sequencer, the server's first stage: event lines in, the ordered event
 * stream out (pipeline/ordered-events.ts). Parses each line in place, passes
 * it on at once when it is the next in sequence (the common case never
 * touches the heap), holds it otherwise, and releases held events as the gaps
 * before them fill. It knows nothing of users or sockets.
 */
export class Engine implements LineSink {
  readonly counters = new EngineCounters();
  private readonly reorder: ReorderBuffer;
  /** When the events applied since the last flush arrived. */
  private readonly arrivals = new AppliedArrivals();
  private readonly parsed = new ParsedEvent();
  private readonly delimiter: number;
  /** When the read being processed arrived (clock() ms). */
  private readStamp = 0;
  /** `counters.applied` up to which every applied event's stamp is in {@link arrivals}. */
  private stamped = 0;

  constructor(
    options: EngineOptions,
    private readonly out: OrderedEvents,
    private readonly observer: EngineObserver,
    private readonly timing: EngineTiming = UNTIMED,
  ) {
    this.delimiter = options.delimiter;
    this.reorder = new ReorderBuffer(options.startSeq, options.maxPending);
  }

  /** The reorder buffer is at its bound: the caller should stop reading event sources. */
  get full(): boolean {
    return this.reorder.full;
  }

  /** The sequence number that must be applied next. */
  get next(): number {
    return this.reorder.next;
  }

  /** Events held, waiting for an earlier sequence number. */
  get pending(): number {
    return this.reorder.size;
  }

  /** Bytes of the lines held. */
  get heldBytes(): number {
    return this.reorder.events.heldBytes;
  }

  /** Bytes of the reads those lines keep alive, which the end of each cycle bounds. */
  get pinnedBytes(): number {
    return this.reorder.events.pinnedBytes;
  }

  /**
   * One read cycle: stamps the read, frames it (its lines come back through
   * {@link line}), then, even if framing threw, settles the reorder buffer,
   * flushes the stream and records the delivery latency of what was applied.
   * Returns whether the buffer is now full, so reading should pause.
   */
  read(framer: Framer, chunk: Uint8Array): boolean {
    this.readStamp = this.timing.clock();
    try {
      framer.push(chunk);
    } finally {
      this.endCycle();
    }
    return this.reorder.full;
  }

  /**
   * One gap cycle: gives up on the missing sequence numbers before the first
   * held event and applies what follows. Returns how many were skipped.
   */
  skipGap(): number {
    try {
      return this.skip();
    } finally {
      this.endCycle();
    }
  }

  line(buf: Uint8Array, start: number, end: number): void {
    const counters = this.counters;
    counters.lines++;
    const parsed = this.parsed;
    let kind = parseEventLine(buf, start, end, this.delimiter, parsed);
    if (kind <= NOOP) {
      counters.malformed++;
      this.observer.malformed(parsed.problem as Problem, buf, start, end, kind === NOOP);
      if (kind === UNREADABLE) return;
      kind = NOOP;
    }
    const seq = parsed.seq;
    const reorder = this.reorder;
    if (seq === reorder.next) {
      this.apply(seq, kind, parsed.from, parsed.to, buf, start, end - start);
      if (reorder.size > 0) this.releaseReady();
    } else if (seq < reorder.next) {
      this.duplicate(seq);
    } else {
      // A no-op placeholder needs no bytes, so it pins no read.
      reorder.hold(seq, buf, start, kind === NOOP ? 0 : end - start, kind, parsed.from, parsed.to, this.readStamp);
    }
  }

  oversized(length: number): void {
    this.counters.oversized++;
    this.observer.oversized(length);
  }

  /** Bounds memory pinned by held events, flushes the stream, then reports the latency of every event applied since the last cycle. */
  private endCycle(): void {
    this.reorder.settle();
    // Released events were stamped one by one; counting the rest here keeps the in-order path free of timing work.
    const unstamped = this.counters.applied - this.stamped;
    if (unstamped > 0) {
      this.arrivals.add(this.readStamp, unstamped);
      this.stamped += unstamped;
    }
    this.out.flush();
    this.arrivals.written(this.timing.clock(), this.timing.latency);
  }

  private skip(): number {
    const from = this.reorder.next;
    const skipped = this.reorder.skipGap();
    if (skipped === 0) return 0;
    const to = from + skipped - 1;
    this.counters.skipped += skipped;
    this.observer.gapSkipped(from, to);
    this.out.skipped(from, to);
    this.releaseReady();
    return skipped;
  }

  private releaseReady(): void {
    const reorder = this.reorder;
    const events = reorder.events;
    // Released events come in runs from the same read: their stamps are counted here and recorded once per run.
    let stamp = 0;
    let run = 0;
    for (;;) {
      const seq = reorder.peekSeq();
      if (seq > reorder.next) break;
      const slot = reorder.pop();
      if (seq === reorder.next) {
        this.apply(seq, events.kind(slot), events.from(slot), events.to(slot), events.bytes(slot), events.start(slot), events.length(slot));
        const arrived = events.arrived(slot);
        if (arrived !== stamp && run > 0) {
          this.stampReleased(stamp, run);
          run = 0;
        }
        stamp = arrived;
        run++;
      } else {
        this.duplicate(seq);
      }
      reorder.release(slot);
    }
    if (run > 0) this.stampReleased(stamp, run);
  }

  private stampReleased(stamp: number, count: number): void {
    this.arrivals.add(stamp, count);
    this.stamped += count;
  }

  /** `seq` is the next expected number: count it and pass it on (a no-op too, so every number is accounted for). */
  private apply(seq: number, kind: number, from: number, to: number, line: Uint8Array, start: number, length: number): void {
    this.reorder.advance(seq);
    this.counters.applied++;
    this.out.event(seq, kind, from, to, line, start, length);
  }

  private duplicate(seq: number): void {
    this.counters.duplicates++;
    this.observer.duplicate(seq);
  }
}
