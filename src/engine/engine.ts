import { ReorderBuffer } from "../ordering/reorder-buffer.ts";
import { NOOP } from "../protocol/event-kind.ts";
import { ParsedEvent, type Problem, parseEventLine, UNREADABLE } from "../protocol/event-line.ts";
import type { LineSink } from "../protocol/line-framer.ts";
import type { Router } from "../routing/router.ts";
import { AppliedArrivals } from "./applied-arrivals.ts";

export interface EngineOptions {
  /** Field separator byte, `|` by default. */
  delimiter: number;
  /** The first sequence number to apply. */
  startSeq: number;
  /** Held events at which reading should pause. */
  maxPending: number;
}

/** What the engine reports for the operator; all calls are off the hot path. */
export interface EngineObserver {
  /** A line was dropped; `keptPlace` when its sequence number still counts as applied. */
  malformed(problem: Problem, line: Uint8Array, keptPlace: boolean): void;
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
 * The server's pure core: event lines in, routed notifications out. Parses
 * each line in place, applies it at once when it is the next in sequence
 * (the common case never touches the heap), holds it otherwise, and releases
 * held events as the gaps before them fill.
 */
export class Engine implements LineSink {
  readonly counters = new EngineCounters();
  readonly reorder: ReorderBuffer;
  /** When the events applied since the last write arrived; the caller reports them once it has written. */
  readonly arrivals = new AppliedArrivals();
  private readonly parsed = new ParsedEvent();
  private readonly delimiter: number;
  /** When the read being processed arrived (performance.now() ms). */
  private readStamp = 0;
  /** `counters.applied` up to which every applied event's stamp is in {@link arrivals}. */
  private stamped = 0;

  constructor(
    options: EngineOptions,
    private readonly router: Router,
    private readonly observer: EngineObserver,
  ) {
    this.delimiter = options.delimiter;
    this.reorder = new ReorderBuffer(options.startSeq, options.maxPending);
  }

  /** The reorder buffer is at its bound: the caller should stop reading event sources. */
  get full(): boolean {
    return this.reorder.full;
  }

  line(buf: Uint8Array, start: number, end: number): void {
    const counters = this.counters;
    counters.lines++;
    const parsed = this.parsed;
    let kind = parseEventLine(buf, start, end, this.delimiter, parsed);
    if (kind <= NOOP) {
      counters.malformed++;
      this.observer.malformed(parsed.problem as Problem, buf.subarray(start, end), kind === NOOP);
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

  /** Starts one read: the events it carries arrived at `now` (performance.now() ms). */
  beginRead(now: number): void {
    this.readStamp = now;
  }

  /** Ends one read: bounds memory pinned by held events and stamps the events applied straight from the read. */
  settle(): void {
    this.reorder.settle();
    // Released events were stamped one by one; counting the rest here keeps the in-order path free of timing work.
    const unstamped = this.counters.applied - this.stamped;
    if (unstamped > 0) {
      this.arrivals.add(this.readStamp, unstamped);
      this.stamped += unstamped;
    }
  }

  /** Gives up on the missing sequence numbers before the first held event and applies what follows. */
  skipGap(): number {
    const from = this.reorder.next;
    const skipped = this.reorder.skipGap();
    if (skipped === 0) return 0;
    this.counters.skipped += skipped;
    this.observer.gapSkipped(from, from + skipped - 1);
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

  /** `seq` is the next expected number: count it and route it (a no-op only advances the order). */
  private apply(seq: number, kind: number, from: number, to: number, line: Uint8Array, start: number, length: number): void {
    this.reorder.next = seq + 1;
    this.counters.applied++;
    if (kind !== NOOP) this.router.route(kind, from, to, line, start, length);
  }

  private duplicate(seq: number): void {
    this.counters.duplicates++;
    this.observer.duplicate(seq);
  }
}
