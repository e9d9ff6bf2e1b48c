/**
 * One entry of `<prefix>:events`: a run of consecutive sequence numbers
 * `first … last`, with ID `<last>-0`. Field `f` holds `first`; field `l` the
 * original lines of the events among them, each CRLF-terminated, in order.
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
  /** CRLF-terminated lines, latin1 (ASCII in practice). */
  lines: string;
}

export const FIRST_FIELD = "f";
export const LINES_FIELD = "l";

export function entryId(last: number): string {
  return `${last}-0`;
}

/** The arguments of `XADD key <last>-0 f <first> l <lines>`. */
export function xaddArguments(key: string, entry: StreamEntry): string[] {
  return [key, entryId(entry.last), FIRST_FIELD, String(entry.first), LINES_FIELD, entry.lines];
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
  if (fields.length !== 4 || fields[0] !== FIRST_FIELD || fields[2] !== LINES_FIELD || typeof fields[1] !== "string" || typeof fields[3] !== "string") {
    throw new Error(`stream entry ${id} does not have the fields ${FIRST_FIELD} and ${LINES_FIELD}`);
  }
  const first = Number(fields[1]);
  if (!Number.isSafeInteger(first) || first < 1 || first > last)
    throw new Error(`stream entry ${id} has a bad first sequence number ${JSON.stringify(fields[1])}`);
  return { first, last, lines: fields[3] as string };
}
