/**
 * Append-only typed storage that doubles as it fills, for building arrays
 * whose final length is unknown (a stream's bytes, a client's expected
 * notifications) without a JS array's per-element boxing. The finished
 * arrays live in shared memory, so the simulator's client threads read the
 * one copy the generator wrote.
 */
/** Copies up to this many bytes are done byte by byte. */
const SHORT = 64;

/** "0000" … "9999" as ASCII, each in a little-endian uint32: one store writes four digits. */
const QUADS = Uint32Array.from({ length: 10_000 }, (_, i) => {
  const digits = String(i).padStart(4, "0");
  return (digits.charCodeAt(0) | (digits.charCodeAt(1) << 8) | (digits.charCodeAt(2) << 16) | (digits.charCodeAt(3) << 24)) >>> 0;
});
/** 0 … 9999 as QUADS without the leading zeros, and how many digits that leaves: looked up, as branching on the size of a random id mispredicts. */
const LEADING = QUADS.map((quad, i) => quad >>> ((4 - String(i).length) << 3));
const DIGITS = Uint8Array.from({ length: 10_000 }, (_, i) => String(i).length);

/** Bytes writeDecimal may store past the number it writes. */
export const DECIMAL_SPILL = 3;

/**
 * Writes a non-negative integer below 2^31 in decimal ASCII into `view` at
 * `at` and returns where it ends: the generator writes three per event, so
 * no string, no per-byte store and no capacity check. The number's leading
 * four-digit group is stored whole, so up to DECIMAL_SPILL bytes after its
 * end are overwritten and must have room (the caller writes there next).
 */
export function writeDecimal(view: DataView, at: number, value: number): number {
  if (value < 10_000) {
    view.setUint32(at, LEADING[value] as number, true);
    return at + (DIGITS[value] as number);
  }
  let high = (value / 10_000) | 0;
  const low = value - high * 10_000;
  let p = at;
  if (high >= 10_000) {
    const top = (high / 10_000) | 0;
    high -= top * 10_000;
    view.setUint32(p, LEADING[top] as number, true);
    p += DIGITS[top] as number;
    view.setUint32(p, QUADS[high] as number, true);
    p += 4;
  } else {
    view.setUint32(p, LEADING[high] as number, true);
    p += DIGITS[high] as number;
  }
  view.setUint32(p, QUADS[low] as number, true);
  return p + 4;
}

export class ByteBuilder {
  length = 0;
  private data: Uint8Array;
  private dataView: DataView;

  constructor(capacity = 1 << 16) {
    this.data = new Uint8Array(Math.max(16, capacity));
    this.dataView = new DataView(this.data.buffer);
  }

  byte(value: number): void {
    if (this.length === this.data.length) this.grow(1);
    this.data[this.length++] = value;
  }

  bytes(source: Uint8Array, start = 0, end = source.length): void {
    const n = end - start;
    if (this.length + n > this.data.length) this.grow(n);
    // A line is a few dozen bytes: a loop beats making a subarray to set() from.
    if (n <= SHORT) {
      const data = this.data;
      for (let k = 0; k < n; k++) data[this.length + k] = source[start + k] as number;
    } else {
      this.data.set(source.subarray(start, end), this.length);
    }
    this.length += n;
  }

  /** A non-negative integer below 2^31 in decimal ASCII. */
  decimal(value: number): void {
    this.length = writeDecimal(this.reserve(10 + DECIMAL_SPILL), this.length, value);
  }

  /** The storage, grown if need be so that `n` more bytes fit after `length`: for writing a line with one check rather than one per byte. */
  reserve(n: number): DataView {
    if (this.length + n > this.data.length) this.grow(n);
    return this.dataView;
  }

  ascii(text: string): void {
    for (let i = 0; i < text.length; i++) this.byte(text.charCodeAt(i));
  }

  /** The storage itself, of which the first `length` bytes are written; valid until the next write. */
  get buffer(): Uint8Array {
    return this.data;
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
    this.dataView = new DataView(next.buffer);
  }
}

export class Int32Builder {
  length = 0;
  private data: Int32Array;

  constructor(capacity = 16) {
    this.data = new Int32Array(Math.max(4, capacity));
  }

  push(value: number): void {
    this.reserve(1)[this.length++] = value;
  }

  /** The storage, grown if need be so that `n` more values fit after `length`: for a run of values with one check. */
  reserve(n: number): Int32Array {
    if (this.length + n > this.data.length) {
      const next = new Int32Array(Math.max(this.data.length * 2, this.length + n));
      next.set(this.data.subarray(0, this.length));
      this.data = next;
    }
    return this.data;
  }

  /** The storage itself, of which the first `length` values are pushed; valid until the next push. */
  get buffer(): Int32Array {
    return this.data;
  }

  /** The values pushed, in a shared array of exactly that size. */
  finish(): Int32Array {
    const out = new Int32Array(new SharedArrayBuffer(this.length * Int32Array.BYTES_PER_ELEMENT));
    out.set(this.data.subarray(0, this.length));
    return out;
  }
}

/** A first-in first-out queue of int32 values that doubles as it fills: a client's notifications still to come. */
export class Int32Queue {
  private data = new Int32Array(16);
  /** Index of the oldest value, and how many there are. */
  private head = 0;
  length = 0;

  push(value: number): void {
    if (this.length === this.data.length) this.grow();
    this.data[(this.head + this.length++) & (this.data.length - 1)] = value;
  }

  /** The oldest value; only when length > 0. */
  peek(): number {
    return this.data[this.head] as number;
  }

  shift(): number {
    const value = this.data[this.head] as number;
    this.head = (this.head + 1) & (this.data.length - 1);
    this.length--;
    return value;
  }

  private grow(): void {
    const next = new Int32Array(this.data.length * 2);
    for (let i = 0; i < this.length; i++) next[i] = this.data[(this.head + i) & (this.data.length - 1)] as number;
    this.data = next;
    this.head = 0;
  }
}
