import { dlopen, FFIType } from "bun:ffi";

/** The few libc calls the process makes of the system itself; none is on a hot path. */
export interface Libc {
  madvise(start: bigint, length: bigint, advice: number): number;
  /** syscall(2) with up to four arguments; -1 on failure. */
  syscall(number: number, a: number, b: number, c: number, d: number): number;
}

let libc: Libc | null | undefined;

/** glibc, opened once; null where there is none (not Linux, or musl). */
export function systemLibc(): Libc | null {
  if (libc !== undefined) return libc;
  libc = null;
  if (process.platform !== "linux") return libc;
  try {
    const { symbols } = dlopen("libc.so.6", {
      madvise: { args: [FFIType.u64, FFIType.u64, FFIType.i32], returns: FFIType.i32 },
      syscall: { args: [FFIType.i64, FFIType.i64, FFIType.i64, FFIType.i64, FFIType.i64], returns: FFIType.i64 },
    });
    libc = {
      madvise: (start, length, advice) => symbols.madvise(start, length, advice),
      syscall: (number, a, b, c, d) => Number(symbols.syscall(number, a, b, c, d)),
    };
  } catch {
    // musl, or no libc.so.6: nothing to ask, and nothing breaks.
  }
  return libc;
}
