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

/** Copies `src[from, to)` into `dst` at `at` and returns where the copy ends in `dst`. */
export function copyBytes(src: Uint8Array, from: number, to: number, dst: Uint8Array, at: number): number {
  const length = to - from;
  if (length < LOOP_COPY) for (let i = 0; i < length; i++) dst[at + i] = src[from + i];
  else dst.set(src.subarray(from, to), at);
  return at + length;
}
