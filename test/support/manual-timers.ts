import type { Timers } from "../../src/net/handshake.ts";

/**
 * Timers that fire only when the test says so, so a timeout cannot race the
 * steps a test takes before it: a handshake the test means to time out is
 * timed out by {@link fireAll}, never by a slow machine.
 */
export class ManualTimers implements Timers {
  private readonly pending = new Map<number, () => void>();
  private nextId = 1;

  setTimeout(callback: () => void): number {
    const id = this.nextId++;
    this.pending.set(id, callback);
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  /** Timers set and neither cleared nor fired. */
  get size(): number {
    return this.pending.size;
  }

  /** Fires every pending timer, as if its time had come. */
  fireAll(): void {
    const due = [...this.pending.values()];
    this.pending.clear();
    for (const callback of due) callback();
  }
}
