import { CR, LF } from "./ascii.ts";

/** Receives complete lines, terminator removed. `buf` is never mutated afterwards, so it may be kept. */
export interface LineSink {
  line(buf: Uint8Array, start: number, end: number): void;
  /** A line longer than the limit was discarded up to its terminator. */
  oversized(length: number): void;
}

/**
 * Splits a byte stream into lines ending in LF (a CR before it is dropped).
 *
 * Lines that lie inside one chunk are handed over as offsets into that chunk:
 * no copy. Only a line that spans reads is copied, once, into a buffer of its
 * own. A line over `maxLineBytes` is skipped up to its terminator without
 * being buffered, so a peer cannot grow our memory by never sending LF.
 */
export class LineFramer {
  /** Allocated on the first line that spans reads: most client connections never need it. */
  private partial: Uint8Array | null = null;
  private partialLength = 0;
  /** Bytes of an over-long line seen so far; -1 when not inside one. */
  private skipped = -1;
  /** Whether the last skipped byte was a CR, which is terminator if an LF follows. */
  private skippedEndsInCR = false;

  constructor(
    private readonly maxLineBytes: number,
    private sink: LineSink,
  ) {}

  /**
   * Sends lines to `sink` from the next push on. Lines left in a push that
   * is under way may still reach the old sink, so a sink that redirects
   * from inside `line` must pass on what it gets afterwards.
   */
  redirect(sink: LineSink): void {
    this.sink = sink;
  }

  /** Bytes held of an unterminated line. */
  get pendingBytes(): number {
    return this.partialLength;
  }

  push(chunk: Uint8Array): void {
    let pos = 0;
    if (this.partialLength > 0 || this.skipped >= 0) {
      const lf = lineEnd(chunk, 0, chunk.length);
      if (lf < 0) {
        this.carry(chunk, 0, chunk.length);
        return;
      }
      this.finishCarried(chunk, lf);
      pos = lf + 1;
    }

    const max = this.maxLineBytes;
    const sink = this.sink;
    const length = chunk.length;
    for (;;) {
      const lf = lineEnd(chunk, pos, length);
      if (lf < 0) break;
      const end = lf > pos && chunk[lf - 1] === CR ? lf - 1 : lf;
      if (end - pos > max) sink.oversized(end - pos);
      else sink.line(chunk, pos, end);
      pos = lf + 1;
    }
    if (pos < length) this.carry(chunk, pos, length);
  }

  /** Forgets an unterminated line, as when its connection closes. Returns how many bytes it had. */
  reset(): number {
    const dropped = this.skipped >= 0 ? this.skipped : this.partialLength;
    this.partialLength = 0;
    this.skipped = -1;
    return dropped;
  }

  private carry(chunk: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (this.skipped >= 0) {
      this.skipped += n;
      if (n > 0) this.skippedEndsInCR = chunk[end - 1] === CR;
      return;
    }
    // Room for a CR that may still turn out to precede the LF.
    this.partial ??= new Uint8Array(this.maxLineBytes + 1);
    if (this.partialLength + n > this.partial.length) {
      this.skipped = this.partialLength + n;
      this.skippedEndsInCR = chunk[end - 1] === CR;
      this.partialLength = 0;
      return;
    }
    this.partial.set(chunk.subarray(start, end), this.partialLength);
    this.partialLength += n;
  }

  private finishCarried(chunk: Uint8Array, lf: number): void {
    if (this.skipped >= 0) {
      const endsInCR = lf > 0 ? chunk[lf - 1] === CR : this.skippedEndsInCR;
      const length = this.skipped + lf - (endsInCR ? 1 : 0);
      this.skipped = -1;
      this.sink.oversized(length);
      return;
    }
    const partial = this.partial as Uint8Array;
    const head = this.partialLength;
    let total = head + lf;
    if (total > 0 && (lf > 0 ? chunk[lf - 1] : partial[head - 1]) === CR) total--;
    this.partialLength = 0;
    if (total > this.maxLineBytes) {
      this.sink.oversized(total);
      return;
    }
    // The one copy: the line's two halves live in different reads.
    const line = new Uint8Array(total);
    if (total <= head) {
      line.set(partial.subarray(0, total));
    } else {
      line.set(partial.subarray(0, head));
      line.set(chunk.subarray(0, total - head), head);
    }
    this.sink.line(line, 0, total);
  }
}

/** Bytes an event line is scanned for its LF in JavaScript before handing the rest to the native `indexOf`. */
const SHORT_LINE = 48;

/**
 * Where the LF at or after `from` is, or −1: event lines are 10–30 bytes,
 * and a loop finds their end sooner than a call into `indexOf` costs,
 * which pays off on long lines only.
 */
function lineEnd(chunk: Uint8Array, from: number, length: number): number {
  const stop = Math.min(from + SHORT_LINE, length);
  for (let i = from; i < stop; i++) if (chunk[i] === LF) return i;
  return stop === length ? -1 : chunk.indexOf(LF, stop);
}
