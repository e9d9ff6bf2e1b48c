import type { EventWindow } from "./event-window.ts";
import type { Expectations } from "./expectations.ts";
import type { Int32Queue } from "./growable.ts";
import type { LatencyHistogram } from "./latency-histogram.ts";

export type FailureKind = "mismatch" | "extra" | "stalled" | "disconnected";

/** Everything needed to say what went wrong for one client, and where. */
export interface ClientFailure {
  kind: FailureKind;
  client: number;
  user: number;
  /** Notifications this client had received correctly, and how many it was owed by the events generated so far. */
  verified: number;
  total: number;
  /** Whether every event had been generated, so `total` is all it is owed. */
  complete: boolean;
  /** The line it should have received next (CRLF included), or null when it was owed nothing more. */
  expected: Uint8Array | null;
  /** What it received instead (mismatch, extra): the bytes of the wrong line as far as they have arrived. */
  got: Uint8Array | null;
  /** The last lines it received correctly, oldest first (fewer if the window no longer holds them). */
  before: Uint8Array[];
}

/** Correct lines shown before a failure. */
const CONTEXT_LINES = 3;
/** Received bytes shown after the point of failure. */
const GOT_BYTES = 120;
const LF = 0x0a;
const CRLF = new Uint8Array([0x0d, 0x0a]);

/**
 * Checks one client's byte stream against the notifications it must get,
 * chunk by chunk, byte for byte, as they arrive: a wrong byte, a missing
 * line, a reordered line, a bare LF and anything extra all show up as the
 * first byte that differs. Each completed line records its latency: arrival
 * time minus the time its event's batch was written to the server.
 */
export class ClientVerifier {
  /** Notifications received correctly. */
  verified = 0;
  /** Bytes of the current expected line already matched. */
  private matched = 0;
  /** When this client last completed a line, or when its next line was due if later. */
  lastProgress = 0;
  /** The last CONTEXT_LINES events it received, by verified % CONTEXT_LINES. */
  private readonly recent = new Int32Array(CONTEXT_LINES);
  private readonly queue: Int32Queue;

  constructor(
    private readonly window: EventWindow,
    private readonly expectations: Expectations,
    /** Index among the thread's clients. */
    readonly index: number,
    readonly client: number,
    private readonly user: number,
    private readonly latency: LatencyHistogram,
  ) {
    this.queue = expectations.queues[index] as Int32Queue;
  }

  get done(): boolean {
    return this.queue.length === 0 && this.expectations.complete;
  }

  /** When the next notification this client is owed was sent (NaN if not yet, or if it is owed nothing now). */
  get nextSentAt(): number {
    if (this.queue.length === 0) return Number.NaN;
    return this.window.buffers.sentAt[this.queue.peek() & this.window.eventMask] as number;
  }

  /**
   * Feeds one received chunk; returns a failure at the first wrong byte, or
   * null. `now` in ms. Every byte that arrives belongs to an event already in
   * the window (events are sent after they are appended), so the caller scans
   * the window before feeding.
   */
  receive(chunk: Uint8Array, now: number): ClientFailure | null {
    const { bytes, lineStart, lineLength, sentAt } = this.window.buffers;
    const { eventMask, byteMask } = this.window;
    const queue = this.queue;
    // Lines of one chunk share `now`, and at full speed most of a chunk's lines one write's stamp: one record per run of equal stamps.
    let runSent = Number.NaN;
    let run = 0;
    let failure: ClientFailure | null = null;
    let i = 0;
    lines: while (i < chunk.length) {
      if (queue.length === 0) {
        failure = this.failure("extra", chunk, i);
        break;
      }
      const seq = queue.peek();
      const slot = seq & eventMask;
      const length = lineLength[slot] as number;
      const n = Math.min(length - this.matched, chunk.length - i);
      const base = (lineStart[slot] as number) + this.matched;
      for (let k = 0; k < n; k++) {
        if (chunk[i + k] !== bytes[(base + k) & byteMask]) {
          failure = this.failure("mismatch", chunk, i, k);
          break lines;
        }
      }
      i += n;
      this.matched += n;
      if (this.matched === length) {
        this.matched = 0;
        queue.shift();
        this.recent[this.verified % CONTEXT_LINES] = seq;
        this.verified++;
        const sent = sentAt[slot] as number;
        if (sent === runSent) {
          run++;
        } else {
          if (run > 0) this.latency.record((now - runSent) * 1000, run);
          runSent = sent;
          run = 1;
        }
        this.lastProgress = now;
      }
    }
    if (run > 0) this.latency.record((now - runSent) * 1000, run);
    return failure;
  }

  /** One WebSocket message, which must be exactly one line without its CRLF. */
  receiveMessage(message: Uint8Array, now: number): ClientFailure | null {
    const before = this.verified;
    const failure = this.receive(message, now);
    if (failure !== null) return failure;
    // A message holding a whole line and more: the stream matches, but the framing does not.
    if (this.verified !== before) return this.failure("mismatch", message, 0);
    return this.receive(CRLF, now);
  }

  /** A failure that is not about received bytes: no progress, or the server closed the connection. */
  failure(kind: FailureKind, chunk?: Uint8Array, at = 0, matchedInChunk = 0): ClientFailure {
    const next = this.queue.length === 0 ? null : this.window.line(this.queue.peek());
    let got: Uint8Array | null = null;
    if (chunk !== undefined) {
      // The wrong line from its start: the part already matched, then what came instead, up to its LF.
      const prefix = next === null ? new Uint8Array(0) : next.subarray(0, this.matched + matchedInChunk);
      const lf = chunk.indexOf(LF, at + matchedInChunk);
      const rest = chunk.subarray(at + matchedInChunk, lf < 0 ? Math.min(chunk.length, at + GOT_BYTES) : Math.min(lf + 1, at + GOT_BYTES));
      got = new Uint8Array(prefix.length + rest.length);
      got.set(prefix);
      got.set(rest, prefix.length);
    }
    const shown = Math.min(this.verified, CONTEXT_LINES);
    const seqs: number[] = [];
    for (let k = this.verified - shown; k < this.verified; k++) seqs.push(this.recent[k % CONTEXT_LINES] as number);
    const kept = seqs.length === 0 ? 0 : this.expectations.hold(seqs[0] as number);
    return {
      kind,
      client: this.client,
      user: this.user,
      verified: this.verified,
      total: this.verified + this.queue.length,
      complete: this.expectations.complete,
      expected: next,
      got,
      before: seqs.filter((seq) => seq >= kept).map((seq) => this.window.line(seq)),
    };
  }
}
