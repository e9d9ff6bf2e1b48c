/**
 * A deliberately naive executable reading of the README's contract (the
 * event types and who receives each, README › Behaviour on bad input and
 * › Behaviour where the contract is silent), for differential tests
 * of the optimised engine. It shares no code with src/: strings instead of
 * bytes, `split` instead of a scanner, BigInt instead of overflow-checked
 * digit loops, a Map of Sets instead of hash tables, a sparse array instead of
 * a heap. Speed does not matter here; being obviously right does.
 *
 * Bytes are carried as latin1 strings (one char per byte), so any delimiter
 * byte round-trips and a notification can be compared byte for byte.
 */

export interface ModelOptions {
  /** The field separator, one char (one byte in latin1). */
  delimiter: string;
  startSeq: number;
  /** Longest accepted line, terminator excluded. */
  maxLineBytes: number;
}

export interface ModelCounters {
  /** Lines framed and not oversized, good or bad. */
  lines: number;
  /** Sequence numbers applied, no-ops included. */
  applied: number;
  malformed: number;
  /** Malformed lines whose seq was readable, so they kept their place. */
  malformedReadable: number;
  oversized: number;
  /** Counted on arrival: the seq was already applied or already waiting. */
  duplicates: number;
  /** One per (event, receiving connection). */
  notifications: number;
}

type Kind = "F" | "U" | "B" | "P" | "S";

interface Event {
  kind: Kind;
  from: number;
  to: number;
}

/** What one line says; `seq` null when unreadable, `event` null when malformed. */
export interface ParsedLine {
  seq: number | null;
  event: Event | null;
}

const MAX_SEQ = 2n ** 53n - 1n;
const MAX_USER = 2n ** 31n - 1n;
const USERS_PER_KIND: Record<Kind, number> = { B: 0, S: 1, F: 2, U: 2, P: 2 };

function decimal(field: string | undefined, min: bigint, max: bigint): number | null {
  if (field === undefined || !/^[0-9]+$/.test(field)) return null;
  const value = BigInt(field);
  return value >= min && value <= max ? Number(value) : null;
}

export function parseLine(line: string, delimiter: string): ParsedLine {
  const fields = line.split(delimiter);
  const seq = decimal(fields[0], 1n, MAX_SEQ);
  if (seq === null) return { seq: null, event: null };
  const kind = fields[1];
  if (kind === undefined || !Object.hasOwn(USERS_PER_KIND, kind)) return { seq, event: null };
  const users = USERS_PER_KIND[kind as Kind];
  if (fields.length !== 2 + users) return { seq, event: null };
  const from = users >= 1 ? decimal(fields[2], 0n, MAX_USER) : 0;
  const to = users >= 2 ? decimal(fields[3], 0n, MAX_USER) : 0;
  if (from === null || to === null) return { seq, event: null };
  return { seq, event: { kind: kind as Kind, from, to } };
}

interface Connection {
  user: number;
  open: boolean;
  /** Notification lines received, CRLF not included. */
  received: string[];
}

interface Waiting {
  line: string;
  event: Event | null;
}

export class ReferenceModel {
  readonly counters: ModelCounters = { lines: 0, applied: 0, malformed: 0, malformedReadable: 0, oversized: 0, duplicates: 0, notifications: 0 };
  /** followee → its followers. */
  readonly followers = new Map<number, Set<number>>();
  next: number;
  /** Events that arrived early, at index `seq - startSeq`. */
  private readonly waiting: (Waiting | undefined)[] = [];
  private waitingCount = 0;
  private readonly connections: Connection[] = [];
  /** Per event source: its bytes after the last LF it sent. */
  private readonly unterminated = new Map<number, string>();

  constructor(private readonly options: ModelOptions) {
    this.next = options.startSeq;
  }

  get pending(): number {
    return this.waitingCount;
  }

  /** Opens a connection for `user`; returns its id (ids count up from 0). */
  connect(user: number): number {
    this.connections.push({ user, open: true, received: [] });
    return this.connections.length - 1;
  }

  disconnect(id: number): void {
    this.connections[id].open = false;
  }

  /** Everything connection `id` was sent, in order, without terminators. */
  received(id: number): readonly string[] {
    return this.connections[id].received;
  }

  /** The exact bytes connection `id` should have been sent. */
  expectedBytes(id: number): string {
    return this.connections[id].received.map((line) => `${line}\r\n`).join("");
  }

  /** One read from event source `source`, as a latin1 string. Sources share one sequence space. */
  push(chunk: string, source = 0): void {
    const pieces = ((this.unterminated.get(source) ?? "") + chunk).split("\n");
    this.unterminated.set(source, pieces.pop() as string);
    for (const piece of pieces) this.line(piece.endsWith("\r") ? piece.slice(0, -1) : piece);
  }

  private line(line: string): void {
    const counters = this.counters;
    if (line.length > this.options.maxLineBytes) {
      counters.oversized++;
      return;
    }
    counters.lines++;
    const { seq, event } = parseLine(line, this.options.delimiter);
    if (event === null) counters.malformed++;
    if (seq === null) return;
    if (event === null) counters.malformedReadable++;
    const index = seq - this.options.startSeq;
    if (seq < this.next || this.waiting[index] !== undefined) {
      counters.duplicates++;
      return;
    }
    this.waiting[index] = { line, event };
    this.waitingCount++;
    for (;;) {
      const ready = this.waiting[this.next - this.options.startSeq];
      if (ready === undefined) return;
      delete this.waiting[this.next - this.options.startSeq];
      this.waitingCount--;
      this.next++;
      counters.applied++;
      if (ready.event !== null) this.apply(ready.event, ready.line);
    }
  }

  private apply(event: Event, line: string): void {
    switch (event.kind) {
      case "F": {
        let set = this.followers.get(event.to);
        if (set === undefined) {
          set = new Set();
          this.followers.set(event.to, set);
        }
        set.add(event.from);
        this.send((user) => user === event.to, line);
        return;
      }
      case "U":
        this.followers.get(event.to)?.delete(event.from);
        return;
      case "B":
        this.send(() => true, line);
        return;
      case "P":
        this.send((user) => user === event.to, line);
        return;
      case "S": {
        const set = this.followers.get(event.from);
        this.send((user) => set?.has(user) === true, line);
        return;
      }
    }
  }

  private send(wanted: (user: number) => boolean, line: string): void {
    for (const connection of this.connections) {
      if (!connection.open || !wanted(connection.user)) continue;
      connection.received.push(line);
      this.counters.notifications++;
    }
  }
}
