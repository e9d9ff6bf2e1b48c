import type { ClientTarget } from "./client-fleet.ts";
import type { WindowBuffers } from "./event-window.ts";
import type { HistogramState } from "./latency-histogram.ts";
import type { ClientFailure } from "./verifier.ts";

/** Main thread → client thread. */
export type ToFleet =
  | { type: "connect"; target: ClientTarget; clientUsers: Int32Array; clients: number[] }
  | { type: "rehearse"; window: WindowBuffers; thread: number; events: number; passes: number }
  | { type: "attach"; window: WindowBuffers; thread: number; events: number; timeoutMs: number; verified: Float64Array }
  | { type: "catch up" }
  | { type: "fail stalled" }
  | { type: "close" };

/** Client thread → main thread. */
export type FromFleet =
  /** `at`: when the last client had sent its id (clock()). */
  | { type: "connected"; at: number }
  | { type: "connect failed"; message: string }
  | { type: "rehearsed" }
  | { type: "caught up" }
  | { type: "registered" }
  | { type: "done" }
  | { type: "failed"; failure: ClientFailure }
  | { type: "closed"; verified: number; latency: HistogramState };
