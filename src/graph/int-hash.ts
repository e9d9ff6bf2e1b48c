/**
 * Multiplicative (Fibonacci) hashing: the high bits of key × 2^32/φ are well
 * mixed even for the small consecutive ids user streams are full of.
 */
export function slotFor(key: number, shift: number): number {
  return Math.imul(key, 0x9e3779b1) >>> shift;
}

/** Mixes two int32 keys into one before {@link slotFor}. */
export function pairKey(a: number, b: number): number {
  return Math.imul(a, 0x85ebca6b) ^ b;
}
