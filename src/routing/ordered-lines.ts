import type { OrderedEvents } from "../pipeline/ordered-events.ts";
import { ParsedEvent, parseEventLine, UNREADABLE } from "../protocol/event-line.ts";
import type { LineSink } from "../protocol/line-framer.ts";

/**
 * Lines already in sequence order (a log another sequencer wrote) turned back
 * into the ordered event stream. A line numbered below the last one passed on
 * is a replay and is skipped; one that cannot be read at all carries no
 * sequence number and is skipped too.
 */
export class OrderedLines implements LineSink {
  private readonly parsed = new ParsedEvent();
  /** The lowest sequence number still to pass on. */
  private next = 0;
  /** Lines passed on as events. */
  passed = 0;

  constructor(
    private readonly delimiter: number,
    private readonly out: OrderedEvents,
  ) {}

  line(buf: Uint8Array, start: number, end: number): void {
    const parsed = this.parsed;
    const kind = parseEventLine(buf, start, end, this.delimiter, parsed);
    if (kind === UNREADABLE || parsed.seq < this.next) return;
    this.next = parsed.seq + 1;
    this.passed++;
    this.out.event(parsed.seq, kind, parsed.from, parsed.to, buf, start, end - start);
  }

  oversized(): void {}
}
