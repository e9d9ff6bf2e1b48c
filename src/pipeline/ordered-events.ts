/**
 * The ordered event stream: the seam between the two stages of the server.
 *
 * The sequencer (engine/engine.ts: frame → parse → reorder) calls it; the
 * fan-out (routing/fan-out.ts: follower graph → router → outboxes → client
 * sockets) implements it. In `serve` the one calls the other directly, with
 * the line still in the buffer it was read into. Another sink (an appender to
 * a shared log) sees every sequence number the stream accounts for: each one
 * applied, as an event or a no-op, and each run given up as a gap.
 */
export interface OrderedEvents {
  /**
   * `seq` is the next number in order (one above the last event or skip).
   * `kind` is an event-kind.ts constant; NOOP is a malformed line kept in its
   * place, which notifies nobody and may come with `length` 0. The line's
   * bytes `line[start, start + length)`, terminator removed, are valid only
   * during the call: copy them to keep them.
   */
  event(seq: number, kind: number, from: number, to: number, line: Uint8Array, start: number, length: number): void;
  /** The gap timeout gave up on `from`…`to`: they will never be events, and the next one is `to + 1`. */
  skipped(from: number, to: number): void;
  /** One cycle (a read, or a gap skip) is over: write out what it produced now. */
  flush(): void;
}
