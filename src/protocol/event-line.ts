import { DecimalCursor, MAX_SEQ, MAX_USER_ID } from "./ascii.ts";
import { BROADCAST, FOLLOW, NOOP, PRIVATE, STATUS, UNFOLLOW } from "./event-kind.ts";

/** Result of {@link parseEventLine} when not even the sequence number could be read. */
export const UNREADABLE = -1;

/** Why a line was rejected, for the operator's log. */
export type Problem = "empty line" | "bad sequence number" | "unknown type" | "wrong field count" | "bad user id";

/**
 * The fields of one event line. A single instance is reused for every line so
 * parsing allocates nothing; read it before parsing the next line.
 */
export class ParsedEvent {
  /** Walks the line being parsed. */
  readonly cursor = new DecimalCursor();
  seq = 0;
  from = 0;
  to = 0;
  problem: Problem | null = null;
}

/**
 * Parses `buf[start, end)` (terminator already removed) as `seq|type[|from[|to]]`
 * in place. Returns the event kind; NOOP when the line is malformed but its
 * sequence number is readable (so it still occupies its slot in the order);
 * UNREADABLE when it is not. `out.problem` says what was wrong.
 */
export function parseEventLine(buf: Uint8Array, start: number, end: number, delimiter: number, out: ParsedEvent): number {
  out.problem = null;
  if (start === end) return reject(out, "empty line", UNREADABLE);

  const cursor = out.cursor;
  const seq = cursor.scan(buf, start, end, delimiter, MAX_SEQ);
  if (seq <= 0) return reject(out, "bad sequence number", UNREADABLE);
  out.seq = seq;

  let i = cursor.end;
  if (i + 2 > end) return reject(out, "wrong field count", NOOP);
  const type = buf[i + 1];
  i += 2;
  let kind: number;
  let users: number;
  switch (type) {
    case 0x42: // B
      kind = BROADCAST;
      users = 0;
      break;
    case 0x53: // S
      kind = STATUS;
      users = 1;
      break;
    case 0x46: // F
      kind = FOLLOW;
      users = 2;
      break;
    case 0x55: // U
      kind = UNFOLLOW;
      users = 2;
      break;
    case 0x50: // P
      kind = PRIVATE;
      users = 2;
      break;
    default:
      return reject(out, "unknown type", NOOP);
  }
  // A type field longer than one byte ("FF") is an unknown type, not a field-count error.
  if (i < end && buf[i] !== delimiter) return reject(out, "unknown type", NOOP);

  if (users === 0) return i === end ? kind : reject(out, "wrong field count", NOOP);
  if (i === end) return reject(out, "wrong field count", NOOP);

  const from = cursor.scan(buf, i + 1, end, delimiter, MAX_USER_ID);
  if (from < 0) return reject(out, "bad user id", NOOP);
  out.from = from;
  i = cursor.end;
  if (users === 1) return i === end ? kind : reject(out, "wrong field count", NOOP);
  if (i === end) return reject(out, "wrong field count", NOOP);

  const to = cursor.scan(buf, i + 1, end, delimiter, MAX_USER_ID);
  if (to < 0) return reject(out, "bad user id", NOOP);
  if (cursor.end !== end) return reject(out, "wrong field count", NOOP);
  out.to = to;
  return kind;
}

function reject(out: ParsedEvent, problem: Problem, result: number): number {
  out.problem = problem;
  return result;
}
