/** When to collect, in bytes of event-source reads since the last full collection. */
export interface GarbageBounds {
  /** Always collect once this many have been read. */
  limit: number;
  /** Collect after this many already, if the read cycle just ended took at least `busyFactor` times the last collection's pause. */
  busyLimit: number;
  busyFactor: number;
}

/**
 * Bun hands every read of a socket over as a fresh buffer, so at full speed
 * the event port turns over tens of MB a second of buffers that are garbage
 * once their read cycle (and any held line in them) is done. Left to the
 * collector's own heuristics they pile up: the server's peak RSS kept rising
 * for the first 15M events of a run (82 MiB against 74 after 10M) as young
 * collections let them survive into the old generation, where only a full
 * collection frees them. Collecting fully after every `limit` bytes read
 * bounds that pile by the bytes read, not by how long the run has lasted.
 *
 * That bound is loose where each read costs much more than its bytes: with
 * 10,000 clients a cycle writes to thousands of them and lasts about 100 ms,
 * so a 1M-event run reads only 22 MB and the pile never meets it. There a
 * pause of an eighth of a cycle delays nothing that the cycle itself has not
 * already delayed more, so after `busyLimit` bytes a long enough cycle
 * collects too. A pause is measured each time, since it grows with the live
 * heap (3–7 ms with 100 clients, 6–13 ms with 10,000).
 */
export class ReadGarbage {
  private sinceCollection = 0;
  private pauseMs: number;

  constructor(
    private readonly bounds: GarbageBounds,
    private readonly collect: () => void,
    /** Milliseconds, to time the collections. */
    private readonly clock: () => number,
    /** What a pause is taken to be until one has been timed. */
    initialPauseMs = TYPICAL_PAUSE_MS,
  ) {
    this.pauseMs = initialPauseMs;
  }

  /** `bytes` more were read in a cycle of `cycleMs`; collects when the bounds say so. */
  read(bytes: number, cycleMs: number): void {
    this.sinceCollection += bytes;
    const { limit, busyLimit, busyFactor } = this.bounds;
    if (this.sinceCollection < busyLimit) return;
    if (this.sinceCollection < limit && cycleMs < busyFactor * this.pauseMs) return;
    this.sinceCollection = 0;
    const start = this.clock();
    this.collect();
    this.pauseMs = this.clock() - start;
  }
}

/** A full collection of the server's heap with 100 clients (JSC's GC log). */
const TYPICAL_PAUSE_MS = 5;

/**
 * The event port's bounds. At 1.4 M events/s (22 MB/s of lines) `limit` is
 * one collection a second, a fraction of a percent of the time; at 20,000
 * events/s, one every minute. Busy cycles (`scale`: 10,000 clients, cycles
 * of 80–115 ms, pauses of 6–13 ms) collect every 4 MiB instead: 1, 2 and 4
 * MiB gave the same peak there. With 100 clients at full speed a cycle lasts
 * 5–22 ms against pauses of 3–7 ms, short of 8 pauses, so those runs
 * collect as often as before.
 */
export const READ_GARBAGE: GarbageBounds = { limit: 16 * 1024 * 1024, busyLimit: 4 * 1024 * 1024, busyFactor: 8 };
