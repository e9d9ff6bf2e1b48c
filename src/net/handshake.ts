/** Timers a listener schedules with; injected so tests can run them by hand. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const SYSTEM_TIMERS: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Where a connection is on its way in. */
export type Stage = "tls" | "first line" | "open" | "closed";

/**
 * A connection's way in, the same on both ports: an optional TLS handshake,
 * then, when the listener asks for one, a first line (the user id, or AUTH),
 * both within one timer. The listener owns the counters and decides what a
 * failure at each stage means; this only tracks the stage and the timer.
 */
export class Handshake {
  private current: Stage;
  private timer: unknown;

  constructor(
    tls: boolean,
    private readonly firstLine: boolean,
    private readonly timers: Timers,
    timeoutMs: number,
    /** The timer fired at `stage` (never "open" or "closed"). */
    timedOut: (stage: Stage) => void,
  ) {
    this.current = tls ? "tls" : firstLine ? "first line" : "open";
    if (this.current !== "open") this.timer = timers.setTimeout(() => timedOut(this.current), timeoutMs);
  }

  get stage(): Stage {
    return this.current;
  }

  /** The TLS handshake succeeded. Returns true when that opens the connection (no first line is owed). */
  secured(): boolean {
    if (this.current !== "tls") return false;
    if (this.firstLine) {
      this.current = "first line";
      return false;
    }
    this.open();
    return true;
  }

  /** Through: the connection may be used. */
  open(): void {
    this.current = "open";
    this.stopTimer();
  }

  /** Turned away or gone. Returns the stage it ended at, which is "closed" when it had already ended. */
  close(): Stage {
    const stage = this.current;
    this.current = "closed";
    this.stopTimer();
    return stage;
  }

  /** Cleared and let go: a connection lives long after its handshake, and the timer holds its callback and what that closes over. */
  private stopTimer(): void {
    if (this.timer === undefined) return;
    this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
