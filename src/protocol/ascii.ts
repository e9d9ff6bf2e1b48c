export const LF = 0x0a;
export const CR = 0x0d;
export const SPACE = 0x20;

/** Sequence numbers are exact doubles: 1 … 2^53−1. */
export const MAX_SEQ = Number.MAX_SAFE_INTEGER;
/** User ids fit an Int32Array slot: 0 … 2^31−1. */
export const MAX_USER_ID = 0x7fffffff;

/**
 * Reads unsigned decimals out of a byte buffer and remembers where each scan
 * stopped, so callers walk a line once without allocating a result object.
 * Each caller owns one: the position is never shared state.
 */
export class DecimalCursor {
  /** Where the last {@link scan} stopped: the stop byte's index, or `end`. */
  end = 0;

  /**
   * Reads an unsigned decimal from `buf[start, end)` up to the first `stop`
   * byte (pass -1 to read to `end`). Returns -1 for an empty field, a
   * non-digit or a value above `max`. Leading zeros are allowed: the wire
   * says "decimal integer", not "canonical".
   */
  scan(buf: Uint8Array, start: number, end: number, stop: number, max: number): number {
    let value = 0;
    let i = start;
    for (; i < end; i++) {
      const c = buf[i];
      if (c === stop) break;
      const digit = c - 0x30;
      if (digit < 0 || digit > 9) return -1;
      value = value * 10 + digit;
      // Checked per digit so the running value never leaves the exact-double range
      // by more than one decimal place, and rounding cannot bring it back under max.
      if (value > max) return -1;
    }
    this.end = i;
    return i === start ? -1 : value;
  }
}
