import { Bytes, copyBytes, copyWords, grownCapacity, resized } from "../collections/typed-arrays.ts";
import { CR, LF } from "../protocol/ascii.ts";

const INITIAL_BYTES = 16 * 1024;
const INITIAL_ENTRIES = 1024;
/** A cycle that grew an arena past this (a gap released a burst) does not keep it: the arenas stay about one read's size. */
const KEEP_BYTES = 1 << 20;
const KEEP_ENTRIES = 1 << 16;

/**
 * What one read cycle routed, stored once for every connection rather than
 * copied into a buffer per connection. Broadcasts, which reach everyone,
 * are appended to one run of bytes that a connection receiving nothing
 * else is sent as it is. Any other line is stored once; each recipient gets
 * an entry pointing at it and at how much of the broadcast run comes
 * before it, chained in sequence order per connection (the chain's ends
 * are the outbox's). At the flush, a connection's bytes are gathered from
 * the two in order into one shared buffer, for its single write; then the
 * cycle is reset.
 */
export class ReadBatch {
  private readonly broadcastRun = new LineArena();
  /** Broadcast lines this cycle. */
  broadcasts = 0;
  /** The other lines, each stored once with its CRLF. */
  private readonly lines = new LineArena();
  /** Per entry: where its line starts in {@link lines}, its bytes, the broadcast bytes before it, the connection's next entry (-1: none). */
  private starts = new Int32Array(INITIAL_ENTRIES);
  private lengths = new Int32Array(INITIAL_ENTRIES);
  private marks = new Int32Array(INITIAL_ENTRIES);
  private nexts = new Int32Array(INITIAL_ENTRIES);
  private entries = 0;
  private gathered = Bytes.ofLength(INITIAL_BYTES);

  /** Queues `src[start, start + length)` and CRLF for every connection. */
  broadcast(src: Uint8Array, start: number, length: number): void {
    this.broadcastRun.append(src, start, length);
    this.broadcasts++;
  }

  /** Stores `src[start, start + length)` and CRLF for {@link entry}; returns its position. */
  line(src: Uint8Array, start: number, length: number): number {
    return this.lines.append(src, start, length);
  }

  /** The cycle's broadcast lines, each with its CRLF, in sequence order: `broadcastBytes[0, broadcastLength)`. */
  get broadcastBytes(): Bytes {
    return this.broadcastRun.bytes;
  }

  get broadcastLength(): number {
    return this.broadcastRun.length;
  }

  /**
   * One recipient of the line stored at `line` (`bytes` with its CRLF),
   * after every broadcast queued so far; chained after entry `after` (-1
   * for a connection's first). Returns the new entry.
   */
  entry(line: number, bytes: number, after: number): number {
    const entry = this.entries;
    if (entry === this.starts.length) this.growEntries();
    this.starts[entry] = line;
    this.lengths[entry] = bytes;
    this.marks[entry] = this.broadcastRun.length;
    this.nexts[entry] = -1;
    if (after >= 0) this.nexts[after] = entry;
    this.entries = entry + 1;
    return entry;
  }

  /** Writes into `into` at `at` the chain from entry `first`, with all broadcasts in place; returns the end. */
  gather(first: number, into: Bytes, at: number): number {
    const broadcast = this.broadcastRun.bytes;
    const lines = this.lines.bytes;
    let sent = 0;
    let end = at;
    for (let entry = first; entry >= 0; entry = this.nexts[entry]) {
      const mark = this.marks[entry];
      if (mark > sent) {
        end = copyWords(broadcast, sent, mark, into, end);
        sent = mark;
      }
      const start = this.starts[entry];
      end = copyWords(lines, start, start + this.lengths[entry], into, end);
    }
    return copyWords(broadcast, sent, this.broadcastRun.length, into, end);
  }

  /** A buffer of at least `bytes`, shared by every connection's gather in turn. */
  scratch(bytes: number): Bytes {
    if (bytes > this.gathered.length) this.gathered = Bytes.ofLength(grownCapacity(this.gathered.length, bytes));
    return this.gathered;
  }

  /** The cycle is over: every connection has been flushed. */
  reset(): void {
    this.broadcasts = this.entries = 0;
    this.broadcastRun.reset();
    this.lines.reset();
    if (this.gathered.length > KEEP_BYTES) this.gathered = Bytes.ofLength(INITIAL_BYTES);
    if (this.starts.length > KEEP_ENTRIES) this.allocateEntries(INITIAL_ENTRIES);
  }

  private growEntries(): void {
    const capacity = this.starts.length * 2;
    this.starts = resized(this.starts, capacity);
    this.lengths = resized(this.lengths, capacity);
    this.marks = resized(this.marks, capacity);
    this.nexts = resized(this.nexts, capacity);
  }

  private allocateEntries(capacity: number): void {
    this.starts = new Int32Array(capacity);
    this.lengths = new Int32Array(capacity);
    this.marks = new Int32Array(capacity);
    this.nexts = new Int32Array(capacity);
  }
}

/** Lines appended one after another, each with its CRLF. */
class LineArena {
  bytes = Bytes.ofLength(INITIAL_BYTES);
  length = 0;

  /** Appends `src[start, start + length)` and CRLF; returns where it starts. */
  append(src: Uint8Array, start: number, length: number): number {
    const at = this.length;
    const end = at + length + 2;
    if (end > this.bytes.length) this.bytes = new Bytes(resized(this.bytes.array, grownCapacity(this.bytes.length, end), at));
    const bytes = this.bytes;
    const crlf = copyBytes(src, start, start + length, bytes.array, at);
    bytes.array[crlf] = CR;
    bytes.array[crlf + 1] = LF;
    this.length = end;
    return at;
  }

  reset(): void {
    this.length = 0;
    if (this.bytes.length > KEEP_BYTES) this.bytes = Bytes.ofLength(INITIAL_BYTES);
  }
}
