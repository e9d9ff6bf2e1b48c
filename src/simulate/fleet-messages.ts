import type { HistogramState } from "./latency-histogram.ts";
import type { ClientFailure } from "./verifier.ts";
import type { Workload } from "./workload.ts";

/** Main thread → client thread. */
export type ToFleet =
  | { type: "connect"; host: string; port: number; secret: string | null; clientUsers: Int32Array; clients: number[] }
  | { type: "attach"; workload: Workload; sentAt: Float64Array; timeoutMs: number; verified: Float64Array }
  | { type: "fail stalled" }
  | { type: "close" };

/** Client thread → main thread. */
export type FromFleet =
  | { type: "connected" }
  | { type: "connect failed"; message: string }
  | { type: "registered" }
  | { type: "done" }
  | { type: "failed"; failure: ClientFailure }
  | { type: "closed"; verified: number; latency: HistogramState };
