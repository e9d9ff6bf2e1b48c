/**
 * Bun hands every read of a socket over as a fresh buffer, so at full speed
 * the event port turns over tens of MB a second of buffers that are garbage
 * once their read cycle (and any held line in them) is done. Left to the
 * collector's own heuristics they pile up: the server's peak RSS kept rising
 * for the first 15M events of a run (82 MiB against 74 after 10M) as young
 * collections let them survive into the old generation, where only a full
 * collection frees them. Collecting fully after every `limit` bytes read
 * bounds that pile by the bytes read, not by how long the run has lasted.
 */
export class ReadGarbage {
  private sinceCollection = 0;

  constructor(
    private readonly limit: number,
    private readonly collect: () => void,
  ) {}

  /** `bytes` more were read; collects once `limit` have been since the last collection. */
  read(bytes: number): void {
    this.sinceCollection += bytes;
    if (this.sinceCollection < this.limit) return;
    this.sinceCollection = 0;
    this.collect();
  }
}

/**
 * Bytes of event-source reads between full collections. A full collection
 * of the server's heap pauses it for about 5 ms (JSC's GC log): at 1.4 M
 * events/s (22 MB/s of lines) that is one a second and a fraction of a
 * percent of the time; at 20,000 events/s, one every minute.
 */
export const READ_GARBAGE_BYTES = 16 * 1024 * 1024;
