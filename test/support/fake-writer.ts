import type { ClientTransport } from "../../src/routing/fan-out.ts";

const decoder = new TextDecoder();

/**
 * A socket stand-in for outbox tests. Records every write call and the bytes
 * it took. By default it takes everything; `limits` scripts how many bytes
 * each following write takes (consumed one per call), `capacity` caps every
 * write, and `closed` makes writes return -1 like a closed Bun socket.
 */
export class FakeWriter implements ClientTransport {
  /** Each write call's requested bytes (copied at call time). */
  readonly calls: Uint8Array[] = [];
  /** Bytes taken, in order, across all writes. */
  private taken: number[] = [];
  /** Per-call byte budgets, consumed front to back before `capacity` applies. */
  limits: number[] = [];
  capacity = Infinity;
  closed = false;
  /** The bound the fan-out cut it off at for not reading; null while it has not been. */
  cutOffAt: number | null = null;

  constructor(readonly name = "") {}

  tooSlow(limit: number): void {
    this.cutOffAt = limit;
  }

  write(data: Uint8Array, byteOffset: number, byteLength: number): number {
    this.calls.push(data.slice(byteOffset, byteOffset + byteLength));
    if (this.closed) return -1;
    const budget = this.limits.length > 0 ? (this.limits.shift() as number) : this.capacity;
    const n = Math.max(0, Math.min(byteLength, budget));
    for (let i = 0; i < n; i++) this.taken.push(data[byteOffset + i]);
    return n;
  }

  get writes(): number {
    return this.calls.length;
  }

  /** Everything taken so far, as bytes. */
  bytes(): Uint8Array {
    return Uint8Array.from(this.taken);
  }

  /** Everything taken so far, as text. */
  text(): string {
    return decoder.decode(this.bytes());
  }

  /** Everything taken so far, split into CRLF-terminated lines (terminators removed). */
  lines(): string[] {
    const text = this.text();
    if (text === "") return [];
    expectCrlfTerminated(text);
    return text.slice(0, -2).split("\r\n");
  }
}

function expectCrlfTerminated(text: string): void {
  if (!text.endsWith("\r\n")) throw new Error(`output not CRLF-terminated: ${JSON.stringify(text)}`);
}
