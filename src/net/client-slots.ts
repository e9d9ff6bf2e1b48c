/**
 * Client connections open at once, over every transport that serves user
 * clients (TCP, WebSocket), against one --max-clients: a client cannot get
 * past the limit by switching transports.
 */
export class ClientSlots {
  private taken = 0;
  /** Infinity when there is no limit. */
  readonly limit: number;

  /** `limit` 0 is no limit. */
  constructor(limit: number) {
    this.limit = limit > 0 ? limit : Infinity;
  }

  get open(): number {
    return this.taken;
  }

  /** Takes a slot for a new connection; false when all are taken. */
  take(): boolean {
    if (this.taken >= this.limit) return false;
    this.taken++;
    return true;
  }

  /** A connection that took a slot has closed. */
  release(): void {
    this.taken--;
  }
}
