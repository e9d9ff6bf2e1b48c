/**
 * Resizing for the typed arrays that hold the hot paths' state: one copy of
 * the doubling and copying every growable structure needs.
 */
export type TypedArray = Uint8Array | Int32Array | Uint32Array | Float64Array;

/** Below this many elements a loop beats `set(subarray(…))`: on JSC a subarray of a small array materialises its ArrayBuffer (~0.5 µs). */
const LOOP_COPY = 64;

/**
 * A new array of the same type with room for `capacity` elements (more or
 * fewer than now), holding the first `keep` elements of `array`; the rest
 * is zero.
 */
export function resized<A extends TypedArray>(array: A, capacity: number, keep = Math.min(array.length, capacity)): A {
  const next = new (array.constructor as new (length: number) => A)(capacity);
  if (keep === array.length) next.set(array);
  else if (keep <= LOOP_COPY) for (let i = 0; i < keep; i++) next[i] = array[i];
  else next.set(array.subarray(0, keep));
  return next;
}

/** The capacity to grow to so that `needed` elements fit: doubling from `current`, and at least `minimum`. */
export function grownCapacity(current: number, needed: number, minimum = 16): number {
  let capacity = Math.max(minimum, current, 1);
  while (capacity < needed) capacity *= 2;
  return capacity;
}

/** Below this many bytes four-byte loads and stores through a DataView beat `set(subarray(…))`, whose fixed cost is a view object and a call. */
const WORD_COPY = 256;

/**
 * A byte array with a DataView over the same memory: a short copy then
 * moves four bytes a load and a store (a DataView's are unaligned, and the
 * JIT makes each one instruction), which is twice as fast on the lines of
 * 10–40 bytes the fan-out copies as a byte at a time.
 */
export class Bytes {
  readonly view: DataView;

  constructor(readonly array: Uint8Array) {
    this.view = new DataView(array.buffer, array.byteOffset, array.byteLength);
  }

  static ofLength(length: number): Bytes {
    return new Bytes(new Uint8Array(length));
  }

  get length(): number {
    return this.array.length;
  }
}

/** Copies `src[from, to)` into `dst` at `at` and returns where the copy ends in `dst`. */
export function copyBytes(src: Uint8Array, from: number, to: number, dst: Uint8Array, at: number): number {
  const length = to - from;
  if (length < LOOP_COPY) for (let i = 0; i < length; i++) dst[at + i] = src[from + i];
  else dst.set(src.subarray(from, to), at);
  return at + length;
}

/** {@link copyBytes} between two {@link Bytes}: four bytes at a time below WORD_COPY. */
export function copyWords(src: Bytes, from: number, to: number, dst: Bytes, at: number): number {
  const length = to - from;
  if (length >= WORD_COPY) {
    dst.array.set(src.array.subarray(from, to), at);
  } else if (length >= 4) {
    const source = src.view;
    const target = dst.view;
    let i = 0;
    for (; i + 4 < length; i += 4) target.setUint32(at + i, source.getUint32(from + i, true), true);
    // The last word may overlap the one before it, which saves a loop over the one to three bytes left.
    target.setUint32(at + length - 4, source.getUint32(from + length - 4, true), true);
  } else {
    for (let i = 0; i < length; i++) dst.array[at + i] = src.array[from + i] as number;
  }
  return at + length;
}
