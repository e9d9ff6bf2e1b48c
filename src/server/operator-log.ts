import type { EngineObserver } from "../engine/engine.ts";
import { systemErrorCode } from "../errors.ts";
import { type Logger, RateLimitedLog } from "../log/logger.ts";
import { quote } from "../log/quote.ts";
import type { ClientHooks } from "../net/client-gateway.ts";
import type { EventSourceHooks } from "../net/event-sources.ts";
import type { Problem } from "../protocol/event-line.ts";

/**
 * What the operator reads: each stage's reports turned into log lines,
 * rate-limited where a peer controls how many there are. Per-line reports
 * build nothing, not even a closure, unless the line will be printed.
 */
export function engineLog(log: Logger): EngineObserver {
  const malformed = new RateLimitedLog(log, "warn", "malformed lines");
  const oversized = new RateLimitedLog(log, "warn", "oversized lines");
  const duplicates = new RateLimitedLog(log, "debug", "duplicates");
  return {
    malformed(problem: Problem, buf: Uint8Array, start: number, end: number, keptPlace: boolean) {
      if (!malformed.admit()) return;
      malformed.print(
        `malformed event line (${problem}) dropped${keptPlace ? ", its sequence number kept as a no-op" : ""}: ${quote(buf.subarray(start, end))}`,
      );
    },
    oversized(length) {
      if (oversized.admit()) oversized.print(`event line of ${length} bytes over --max-line-bytes dropped`);
    },
    duplicate(seq) {
      if (duplicates.admit()) duplicates.print(`duplicate sequence number ${seq} dropped`);
    },
    gapSkipped(from, to) {
      log.error(`gap timeout: gave up waiting for sequence ${from === to ? `number ${from}` : `numbers ${from}-${to}`}; continuing at ${to + 1}`);
    },
  };
}

/** What the event port reports; `waiting` describes the reorder buffer when sources are paused. */
export function sourceLog(log: Logger, waiting: () => string): EventSourceHooks {
  const rejected = new RateLimitedLog(log, "warn", "rejected event sources");
  // A source hovering at the bound would otherwise log a pause and a resume per read.
  const backPressure = new RateLimitedLog(log, "warn", "back-pressure messages");
  return {
    opened: (remote) => log.info(`event source connected from ${remote}`),
    closed: (remote, droppedBytes) => {
      if (droppedBytes > 0) log.warn(`event source ${remote} closed in the middle of a line: dropped its last ${droppedBytes} bytes`);
      log.info(`event source ${remote} disconnected`);
    },
    rejected: (remote, reason, detail) => rejected.log(() => `event source ${remote} disconnected: ${reason}: ${detail}`),
    paused: () => backPressure.log(() => `reorder buffer full (${waiting()}): pausing event sources`),
    resumed: () => backPressure.log(() => "reorder buffer has room again: resuming event sources"),
    failed: (remote, error) => reportFailure(log, `event source ${remote}`, error),
  };
}

export function clientLog(log: Logger): ClientHooks {
  const rejected = new RateLimitedLog(log, "warn", "rejected clients");
  // Apart from the rejections, so a flood of connections cannot hide a bad handshake.
  const refused = new RateLimitedLog(log, "warn", "refused clients");
  return {
    joined: (userId, remote) => log.debug(`client ${remote} connected as user ${userId}`),
    rejected: (remote, reason, detail) => rejected.log(() => `client ${remote} disconnected: ${reason}: ${detail}`),
    refused: (remote, limit) => refused.log(() => `client ${remote} refused: ${limit} client connections already open (--max-clients)`),
    slow: (userId, remote, limit) =>
      log.warn(`client ${remote} (user ${userId}) disconnected: not reading, over ${limit} bytes of notifications queued (--max-client-buffer)`),
    flooded: (userId, remote, limit) =>
      rejected.log(() => `client ${remote} (user ${userId}) disconnected: sent over ${limit} bytes after its handshake, which a client never needs to`),
    left: (userId, remote) => log.debug(`client ${remote} (user ${userId}) disconnected`),
    failed: (remote, error) => reportFailure(log, `client ${remote}`, error),
  };
}

/** Peers vanishing is routine; anything else is a bug or an OS problem worth an error line. */
export function reportFailure(log: Logger, who: string, error: Error): void {
  const routine = ["ECONNRESET", "EPIPE", "ETIMEDOUT", "ECONNABORTED"].includes(systemErrorCode(error) ?? "");
  log.log(routine ? "debug" : "error", `${who}: ${error.message}${routine ? "" : ` (${error.stack?.split("\n")[1]?.trim() ?? "no stack"})`}`);
}
