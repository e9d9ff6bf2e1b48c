import type { LatencyHistogram } from "./latency-histogram.ts";
import type { Workload } from "./workload.ts";

export type FailureKind = "mismatch" | "extra" | "stalled" | "disconnected";

/** Everything needed to say what went wrong for one client, and where. */
export interface ClientFailure {
  kind: FailureKind;
  client: number;
  user: number;
  /** Notifications this client had received correctly, and how many it is owed in all. */
  verified: number;
  total: number;
  /** The line it should have received next (CRLF included), or null when it was owed nothing more. */
  expected: Uint8Array | null;
  /** What it received instead (mismatch, extra): the bytes of the wrong line as far as they have arrived. */
  got: Uint8Array | null;
  /** The last lines it received correctly, oldest first. */
  before: Uint8Array[];
}

/** Correct lines shown before a failure. */
const CONTEXT_LINES = 3;
/** Received bytes shown after the point of failure. */
const GOT_BYTES = 120;
const LF = 0x0a;

/**
 * Checks one client's byte stream against the notifications it must get,
 * chunk by chunk, byte for byte, as they arrive: a wrong byte, a missing
 * line, a reordered line, a bare LF and anything extra all show up as the
 * first byte that differs. Each completed line records its latency: arrival
 * time minus the time its event's batch was written to the server.
 */
export class ClientVerifier {
  /** Index into this client's expected sequence numbers. */
  verified = 0;
  /** Bytes of the current expected line already matched. */
  private matched = 0;
  /** The batch holding the next expected event (they only move forward). */
  private batch = 0;
  /** When this client last completed a line, or when its next line was due if later. */
  lastProgress = 0;
  private readonly expected: Int32Array;

  constructor(
    private readonly workload: Workload,
    readonly client: number,
    /** By batch: when it was written to the server (performance.now() ms), NaN until then. */
    private readonly sentAt: Float64Array,
    private readonly latency: LatencyHistogram,
  ) {
    this.expected = workload.expected[client] as Int32Array;
  }

  get done(): boolean {
    return this.verified === this.expected.length;
  }

  get total(): number {
    return this.expected.length;
  }

  /** When the next notification this client is owed was sent (NaN if not yet, or if it is owed nothing). */
  get nextSentAt(): number {
    if (this.done) return Number.NaN;
    this.seekBatch(this.expected[this.verified] as number);
    return this.sentAt[this.batch] as number;
  }

  /** Feeds one received chunk; returns a failure at the first wrong byte, or null. `now` in ms. */
  receive(chunk: Uint8Array, now: number): ClientFailure | null {
    const { bytes, lineStart, lineLength } = this.workload;
    const expected = this.expected;
    let i = 0;
    while (i < chunk.length) {
      if (this.verified === expected.length) return this.failure("extra", chunk, i);
      const seq = expected[this.verified] as number;
      const start = lineStart[seq] as number;
      const length = lineLength[seq] as number;
      const n = Math.min(length - this.matched, chunk.length - i);
      const base = start + this.matched;
      for (let k = 0; k < n; k++) {
        if (chunk[i + k] !== bytes[base + k]) return this.failure("mismatch", chunk, i, k);
      }
      i += n;
      this.matched += n;
      if (this.matched === length) {
        this.matched = 0;
        this.verified++;
        this.seekBatch(seq);
        this.latency.record((now - (this.sentAt[this.batch] as number)) * 1000);
        this.lastProgress = now;
      }
    }
    return null;
  }

  /** A failure that is not about received bytes: no progress, or the server closed the connection. */
  failure(kind: FailureKind, chunk?: Uint8Array, at = 0, matchedInChunk = 0): ClientFailure {
    const { bytes, lineStart, lineLength } = this.workload;
    const line = (seq: number) => bytes.subarray(lineStart[seq], lineStart[seq] + lineLength[seq]);
    const next = this.done ? null : line(this.expected[this.verified] as number);
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
    const before: Uint8Array[] = [];
    for (let k = Math.max(0, this.verified - CONTEXT_LINES); k < this.verified; k++) before.push(line(this.expected[k] as number));
    return {
      kind,
      client: this.client,
      user: this.workload.clientUsers[this.client] as number,
      verified: this.verified,
      total: this.expected.length,
      expected: next,
      got,
      before,
    };
  }

  private seekBatch(seq: number): void {
    const first = this.workload.batchFirst;
    while ((first[this.batch + 1] as number) <= seq) this.batch++;
  }
}
