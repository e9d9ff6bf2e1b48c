/**
 * Append-only typed storage that doubles as it fills, for building arrays
 * whose final length is unknown (a stream's bytes, a client's expected
 * notifications) without a JS array's per-element boxing. The finished
 * arrays live in shared memory, so the simulator's client threads read the
 * one copy the generator wrote.
 */
export class ByteBuilder {
  length = 0;
  private data: Uint8Array;

  constructor(capacity = 1 << 16) {
    this.data = new Uint8Array(Math.max(16, capacity));
  }

  byte(value: number): void {
    if (this.length === this.data.length) this.grow(1);
    this.data[this.length++] = value;
  }

  bytes(source: Uint8Array, start = 0, end = source.length): void {
    const n = end - start;
    if (this.length + n > this.data.length) this.grow(n);
    this.data.set(source.subarray(start, end), this.length);
    this.length += n;
  }

  /** A non-negative integer in decimal ASCII. */
  decimal(value: number): void {
    let digits = 1;
    for (let v = value; v >= 10; v = Math.floor(v / 10)) digits++;
    if (this.length + digits > this.data.length) this.grow(digits);
    const end = this.length + digits;
    let v = value;
    for (let at = end - 1; at >= this.length; at--) {
      this.data[at] = 0x30 + (v % 10);
      v = Math.floor(v / 10);
    }
    this.length = end;
  }

  ascii(text: string): void {
    for (let i = 0; i < text.length; i++) this.byte(text.charCodeAt(i));
  }

  /** A view of everything written; valid until the next write. */
  view(start = 0, end = this.length): Uint8Array {
    return this.data.subarray(start, end);
  }

  /** The bytes written, in a shared buffer of exactly that size. */
  finish(): Uint8Array {
    const out = new Uint8Array(new SharedArrayBuffer(this.length));
    out.set(this.data.subarray(0, this.length));
    return out;
  }

  private grow(needed: number): void {
    const next = new Uint8Array(Math.max(this.data.length * 2, this.length + needed));
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }
}

export class Int32Builder {
  length = 0;
  private data: Int32Array;

  constructor(capacity = 16) {
    this.data = new Int32Array(Math.max(4, capacity));
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = value;
  }

  /** The values pushed, in a shared array of exactly that size. */
  finish(): Int32Array {
    const out = new Int32Array(new SharedArrayBuffer(this.length * Int32Array.BYTES_PER_ELEMENT));
    out.set(this.data.subarray(0, this.length));
    return out;
  }
}
