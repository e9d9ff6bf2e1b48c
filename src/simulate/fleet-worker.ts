/**
 * A simulator client thread: runs one ClientFleet and reports to the main
 * thread, which only generates and sends events. See worker-fleet.ts for the
 * other end of every message.
 */

import { ConnectError } from "../errors.ts";
import { ClientFleet, clock } from "./client-fleet.ts";
import type { FromFleet, ToFleet } from "./fleet-messages.ts";
import { LatencyHistogram } from "./latency-histogram.ts";

declare const self: Worker;

const WATCH_MS = 100;
const post = (message: FromFleet) => self.postMessage(message);
const latency = new LatencyHistogram();
let fleet: ClientFleet | null = null;
let watch: ReturnType<typeof setInterval> | undefined;
/** The verified count the main thread reads (see WorkerFleet.verified). */
let published: Float64Array | null = null;

self.onmessage = async ({ data }: MessageEvent<ToFleet>) => {
  switch (data.type) {
    case "connect": {
      fleet = new ClientFleet(data.clientUsers, data.clients, {
        registered: () => post({ type: "registered" }),
        done: () => {
          // Exact when done, so the run's last progress report has the final figures.
          if (published !== null && fleet !== null) published[0] = fleet.verified;
          post({ type: "done" });
        },
        failed: (failure) => post({ type: "failed", failure }),
      });
      try {
        await fleet.connect(data.target);
        post({ type: "connected", at: clock() });
      } catch (error) {
        if (!(error instanceof ConnectError)) throw error;
        post({ type: "connect failed", message: error.message });
      }
      return;
    }
    case "rehearse":
      (fleet as ClientFleet).rehearse(data.window, data.thread, data.events, data.passes);
      post({ type: "rehearsed" });
      return;
    case "attach": {
      const own = fleet as ClientFleet;
      const { verified, timeoutMs } = data;
      published = verified;
      own.attach(data.window, data.thread, data.events, latency);
      watch = setInterval(() => {
        // Published, not messaged: the main thread reads it for progress and to tell a stalled run.
        verified[0] = own.verified;
        own.tick(clock(), timeoutMs);
        // Every chunk a socket reads is a fresh buffer: collecting often keeps the garbage, and so the RSS, small.
        Bun.gc(false);
      }, WATCH_MS);
      return;
    }
    case "catch up":
      fleet?.catchUp();
      post({ type: "caught up" });
      return;
    case "fail stalled":
      fleet?.failStalled();
      return;
    case "close":
      clearInterval(watch);
      fleet?.close();
      post({ type: "closed", verified: fleet?.verified ?? 0, latency: { count: latency.count, max: latency.max, buckets: latency.buckets } });
      return;
  }
};
