import { quote } from "../log/quote.ts";
import type { LatencyHistogram } from "./latency-histogram.ts";
import type { Progress, SimulationFailure, SimulationResult } from "./simulation.ts";
import type { Workload } from "./workload.ts";

/** The original harness's last words on success. */
export const BANNER = "\\o/ ALL NOTIFICATIONS RECEIVED \\o/";
const LINE_BYTES = 200;

const count = (n: number) => Math.round(n).toLocaleString("en-US");
const rate = (perSecond: number) => (perSecond >= 1e6 ? `${(perSecond / 1e6).toFixed(2)} M` : count(perSecond));
const ms = (micros: number) => `${(micros / 1000).toFixed(micros < 10_000 ? 3 : 1)} ms`;

export function latencySummary(h: LatencyHistogram): string {
  return `latency p50 ${ms(h.percentile(50))}, p99 ${ms(h.percentile(99))}, p99.9 ${ms(h.percentile(99.9))}, max ${ms(h.max)}`;
}

/**
 * One line with what a successful run measured. Rates count what happened
 * after the barrier broadcast, over the time from its end to the last byte.
 */
export function summaryLine(workload: Workload, result: SimulationResult): string {
  const events = workload.events - 1;
  const notifications = result.notificationsVerified;
  return (
    `${count(workload.events)} events, ${count(workload.notifications)} notifications to ${count(workload.clientUsers.length)} ${workload.clientUsers.length === 1 ? "client" : "clients"} verified in ${result.seconds.toFixed(2)} s: ` +
    `${rate(events / result.seconds)} events/s, ${rate(notifications / result.seconds)} notifications/s; ${latencySummary(result.latency)}`
  );
}

/** Progress since the barrier broadcast, whose notifications are neither counted nor owed here. */
export function progressLine(workload: Workload, p: Progress): string {
  const seconds = p.elapsedMs / 1000;
  return (
    `${seconds.toFixed(1)} s: sent ${count(p.eventsSent)} of ${count(workload.events)} events, ` +
    `verified ${count(p.notificationsVerified)} of ${count(workload.notifications - workload.clientUsers.length)} notifications, ` +
    `${rate(p.eventsSent / Math.max(seconds, 1e-3))} events/s`
  );
}

/** What went wrong, for whom, what was expected and received, and the lines before it. */
export function describeFailure(f: SimulationFailure, timeoutMs: number): string {
  if (f.kind === "source closed") return `FAILED: the server closed the event source connection after ${count(f.eventsSent)} events were sent`;
  const who = `client ${f.client} (user ${f.user})`;
  const progress = `${count(f.verified)} of its ${count(f.total)} notifications`;
  const head = {
    mismatch: `${who} received a wrong line after ${progress}`,
    extra: `${who} received a line it was not owed after all ${count(f.total)} of its notifications`,
    stalled: `${who} received nothing for ${count(timeoutMs)} ms while owed notification ${count(f.verified + 1)} (had ${progress})`,
    disconnected: `${who} was disconnected by the server after ${progress}`,
  }[f.kind];
  const lines = [`FAILED: ${head}`];
  lines.push(`  expected: ${f.expected === null ? "nothing more" : quote(f.expected, LINE_BYTES)}`);
  if (f.got !== null)
    lines.push(`  got:      ${quote(f.got, LINE_BYTES)}${bareLf(f.expected, f.got) ? " (ends with a bare LF: notifications end with CRLF)" : ""}`);
  if (f.before.length > 0) {
    lines.push("  last lines it received correctly:");
    for (const line of f.before) lines.push(`    ${quote(line, LINE_BYTES)}`);
  } else {
    lines.push("  it had received nothing correctly before this");
  }
  return lines.join("\n");
}

/** The expected line, with its CRLF shortened to a bare LF. */
function bareLf(expected: Uint8Array | null, got: Uint8Array): boolean {
  if (expected === null || got.length !== expected.length - 1 || got[got.length - 1] !== 0x0a) return false;
  for (let i = 0; i < got.length - 1; i++) if (got[i] !== expected[i]) return false;
  return true;
}
