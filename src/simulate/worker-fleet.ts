import { ConnectError } from "../errors.ts";
import type { ClientTarget, FleetListener } from "./client-fleet.ts";
import type { WindowBuffers } from "./event-window.ts";
import type { FromFleet, ToFleet } from "./fleet-messages.ts";
import type { HistogramState } from "./latency-histogram.ts";

/**
 * The client thread's module. Run from source it sits beside this file; in
 * the compiled binary every module has the executable's URL, and entry points
 * (build.ts lists this one) keep their paths relative to src/.
 */
const FLEET_WORKER = import.meta.url.endsWith(".ts") ? new URL("./fleet-worker.ts", import.meta.url) : new URL("./simulate/fleet-worker.ts", import.meta.url);

/**
 * The main thread's handle on one client thread (fleet-worker.ts): the same
 * life cycle as a ClientFleet, over messages. The workload and the send
 * window is shared memory, so nothing per event crosses threads.
 */
export class WorkerFleet {
  private readonly worker = new Worker(FLEET_WORKER);
  /** Published by the thread every 100 ms. */
  private readonly published = new Float64Array(new SharedArrayBuffer(Float64Array.BYTES_PER_ELEMENT));
  private readonly connected = Promise.withResolvers<number>();
  /** Made when asked for, so a thread that fails before leaves no promise rejected unheard. */
  private rehearsal: PromiseWithResolvers<void> | null = null;
  private caughtUp: PromiseWithResolvers<void> | null = null;
  private readonly closed = Promise.withResolvers<HistogramState>();

  constructor(
    private readonly clientUsers: Int32Array,
    private readonly clients: number[],
    listener: FleetListener,
  ) {
    this.worker.onmessage = ({ data }: MessageEvent<FromFleet>) => {
      switch (data.type) {
        case "connected":
          return this.connected.resolve(data.at);
        case "connect failed":
          return this.connected.reject(new ConnectError(data.message));
        case "rehearsed":
          return this.rehearsal?.resolve();
        case "caught up":
          return this.caughtUp?.resolve();
        case "registered":
          return listener.registered();
        case "done":
          return listener.done();
        case "failed":
          return listener.failed(data.failure);
        case "closed":
          this.published[0] = data.verified;
          return this.closed.resolve(data.latency);
      }
    };
    this.worker.onerror = (event) => {
      const error = new Error(`simulator client thread failed: ${event.message}`);
      this.connected.reject(error);
      this.rehearsal?.reject(error);
      this.caughtUp?.reject(error);
      this.closed.reject(error);
    };
  }

  /** Notifications verified so far, the barrier included (as of the thread's last report). */
  get verified(): number {
    return this.published[0] as number;
  }

  /** Resolves to when the thread's last client had sent its id (clock()). */
  connect(target: ClientTarget): Promise<number> {
    this.post({ type: "connect", target, clientUsers: this.clientUsers, clients: this.clients });
    return this.connected.promise;
  }

  /** See ClientFleet.rehearse; the thread does it while its clients connect. */
  rehearse(window: WindowBuffers, thread: number, events: number, passes: number): Promise<void> {
    this.rehearsal = Promise.withResolvers<void>();
    this.post({ type: "rehearse", window, thread, events, passes });
    return this.rehearsal.promise;
  }

  attach(window: WindowBuffers, thread: number, events: number, timeoutMs: number): void {
    this.post({ type: "attach", window, thread, events, timeoutMs, verified: this.published });
  }

  /** Resolves once the thread has read every event appended so far into its clients' queues (ClientFleet.catchUp). */
  catchUp(): Promise<void> {
    this.caughtUp = Promise.withResolvers<void>();
    this.post({ type: "catch up" });
    return this.caughtUp.promise;
  }

  failStalled(): void {
    this.post({ type: "fail stalled" });
  }

  /** Closes the thread's connections and the thread; resolves to its latency histogram. */
  async close(): Promise<HistogramState> {
    this.post({ type: "close" });
    try {
      return await this.closed.promise;
    } finally {
      this.worker.terminate();
    }
  }

  private post(message: ToFleet): void {
    this.worker.postMessage(message);
  }
}
