/**
 * One entry of `<prefix>:events`: a run of consecutive sequence numbers
 * `first … last`, with ID `<last>-0`. Field `f` holds `first`; field `e` the
 * epoch it was written in; field `l` the original lines of the events among
 * them, each CRLF-terminated, in order. The epoch is one more field than the
 * issue's layout: it lets a tailing edge notice a flushed and restarted stream
 * on the very entry where it happens (a new stream can pass the edge's old
 * position between two checks of `<prefix>:meta`), for about 20 bytes per entry,
 * and an entry carries a whole batch.
 * Numbers with no line (a malformed line kept as a no-op, a run given up by
 * the gap timeout) are covered by the range alone, so a reader can check
 * continuity entry by entry. Only lines that parsed as events are stored, and
 * those are ASCII (digits, one type letter, an ASCII delimiter), which is why
 * a string field is binary-safe here even though Bun's client hands stream
 * values back as strings. Every entry has the same two fields in the same
 * order, so Redis stores the field names once per stream node.
 */
export interface StreamEntry {
  first: number;
  last: number;
  epoch: string;
  /** CRLF-terminated lines, latin1 (ASCII in practice). */
  lines: string;
}

/**
 * The longest line an entry can hold: the most any sequencer's
 * --max-line-bytes accepts. Readers frame entries with this bound, not their
 * own --max-line-bytes, so an edge never drops a line its sequencer took.
 */
export const MAX_STORED_LINE = 1024 * 1024;

export const FIRST_FIELD = "f";
export const EPOCH_FIELD = "e";
export const LINES_FIELD = "l";

const ENCODER = new TextEncoder();

/**
 * An entry's lines as bytes to parse: a plain Uint8Array, as socket reads
 * and the warm-up's are (a Buffer is another kind of object to JSC, and
 * meeting one made the compiled parser and framer bail out and compile
 * again during the first real entries). The lines are ASCII, so UTF-8 is latin1.
 */
export function entryBytes(entry: StreamEntry): Uint8Array {
  return ENCODER.encode(entry.lines);
}

export function entryId(last: number): string {
  return `${last}-0`;
}

/** The arguments of `XADD key <last>-0 f <first> e <epoch> l <lines>`. */
export function xaddArguments(key: string, entry: StreamEntry): string[] {
  return [key, entryId(entry.last), FIRST_FIELD, String(entry.first), EPOCH_FIELD, entry.epoch, LINES_FIELD, entry.lines];
}

/** The sequence number an entry ID stands for; throws on an ID this codec did not write. */
export function idSeq(id: string): number {
  const match = /^(\d+)-0$/.exec(id);
  if (!match) throw new Error(`stream entry ID ${JSON.stringify(id)} is not <seq>-0`);
  return Number(match[1]);
}

/**
 * An entry as Bun's RESP3 reply gives it: `[id, [field, value, …]]`. Throws
 * when it is not one this codec wrote, so foreign data is never taken for events.
 */
export function decodeEntry(reply: unknown): StreamEntry {
  if (!Array.isArray(reply) || reply.length !== 2 || typeof reply[0] !== "string" || !Array.isArray(reply[1])) {
    throw new Error("stream entry is not [id, fields]");
  }
  const [id, fields] = reply as [string, unknown[]];
  const last = idSeq(id);
  if (
    fields.length !== 6 ||
    fields[0] !== FIRST_FIELD ||
    fields[2] !== EPOCH_FIELD ||
    fields[4] !== LINES_FIELD ||
    !fields.every((field) => typeof field === "string")
  ) {
    throw new Error(`stream entry ${id} does not have the fields ${FIRST_FIELD}, ${EPOCH_FIELD} and ${LINES_FIELD}`);
  }
  const first = Number(fields[1]);
  if (!Number.isSafeInteger(first) || first < 1 || first > last)
    throw new Error(`stream entry ${id} has a bad first sequence number ${JSON.stringify(fields[1])}`);
  return { first, last, epoch: fields[3] as string, lines: fields[5] as string };
}
