/**
 * Decides when the server should stop waiting for a missing sequence number.
 * Fed on a timer rather than per event, so the hot path pays nothing: a stall
 * is "the expected number has not moved while events were held", observed
 * across ticks. With ticks every timeout/4, a gap is skipped between 1× and
 * 1.25× the timeout after it starts holding the stream up.
 */
export class GapWatch {
  private watchedNext = -1;
  private since = 0;

  constructor(private readonly timeoutMs: number) {}

  /** How often to call {@link tick}. */
  get tickMs(): number {
    return Math.max(1, Math.floor(this.timeoutMs / 4));
  }

  /** Returns true when the gap before the first held event should be skipped now. */
  tick(now: number, next: number, held: number): boolean {
    if (held === 0 || next !== this.watchedNext) {
      this.watchedNext = held === 0 ? -1 : next;
      this.since = now;
      return false;
    }
    if (now - this.since < this.timeoutMs) return false;
    this.watchedNext = -1;
    return true;
  }
}
