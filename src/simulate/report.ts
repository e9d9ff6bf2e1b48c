import { quote } from "../log/quote.ts";
import type { LatencyHistogram } from "./latency-histogram.ts";
import { type Progress, SETTLE_MS, type SimulationFailure, type SimulationResult } from "./simulation.ts";
import type { ClientFailure } from "./verifier.ts";

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
export function summaryLine(result: SimulationResult): string {
  const events = result.events - 1;
  return (
    `${count(result.events)} events, ${count(result.notifications)} notifications to ${count(result.clients)} ${result.clients === 1 ? "client" : "clients"} verified in ${result.seconds.toFixed(2)} s: ` +
    `${rate(events / result.seconds)} events/s, ${rate(result.notificationsVerified / result.seconds)} notifications/s; ${latencySummary(result.latency)}`
  );
}

/** Progress since the barrier broadcast, counted as the summary counts (the barrier's notifications included). */
export function progressLine(p: Progress): string {
  const seconds = p.elapsedMs / 1000;
  const owed = p.generated ? `of ${count(p.notifications)}` : `(${count(p.notifications)} generated so far)`;
  return (
    `${seconds.toFixed(1)} s: sent ${count(p.eventsSent)} of ${count(p.events)} events, ` +
    `verified ${count(p.notificationsVerified)} ${owed} notifications, ` +
    `${rate(Math.max(0, p.eventsSent - 1) / Math.max(seconds, 1e-3))} events/s`
  );
}

/** What the run was given, for hints at the likely cause of a failure. */
export interface FailureContext {
  timeoutMs: number;
  clientSecret: boolean;
  sourceSecret: boolean;
  /** The run's clients, and how many of them got the barrier broadcast (event 1). */
  clients: number;
  barrierClients: number;
}

/** What went wrong, for whom, what was expected and received, the lines before it, and the likely cause when there is one. */
export function describeFailure(f: SimulationFailure, context: FailureContext): string {
  if (f.kind === "source closed") {
    const head = `FAILED: the server closed the event source connection after ${count(f.eventsSent)} events were sent`;
    if (f.eventsSent > 0) return head;
    return `${head}\n  hint: ${context.sourceSecret ? "check that --source-secret is the server's" : "a server that requires an AUTH line closes a source without one: pass its --source-secret"}`;
  }
  const who = `client ${f.client} (user ${f.user})`;
  const progress = `${count(f.verified)} of ${f.complete ? "its" : "the"} ${count(f.total)} notifications${f.complete ? "" : " it was owed so far"}`;
  const head = {
    mismatch: `${who} received a wrong line after ${progress}`,
    extra: `${who} received a line it was not owed after ${f.complete && f.verified === f.total ? `all ${count(f.total)} of its notifications` : progress}`,
    stalled: `${who} received nothing for ${count(context.timeoutMs)} ms while owed notification ${count(f.verified + 1)} (had ${progress})`,
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
    lines.push(`  it had received nothing correctly before this${f.verified > 0 ? " that is still in the simulator's window" : ""}`);
  }
  const why = hint(f, context);
  if (why !== null) lines.push(`  hint: ${why}`);
  return lines.join("\n");
}

/** The likely cause of a failure before the first notification, where the server, not its delivery, is the usual suspect. */
function hint(f: ClientFailure, context: FailureContext): string | null {
  if (f.verified > 0) return null;
  if (f.kind === "stalled" && context.barrierClients > 0) {
    return (
      `${count(context.barrierClients)} of the ${count(context.clients)} clients got event 1 and this one did not: the server had not registered it when event 1 came, ` +
      `at least ${SETTLE_MS} ms after the clients sent their ids (a server that reads ids on a thread per client may be slower to start them)`
    );
  }
  if (f.kind === "stalled") {
    return "no client got event 1: a server that has already used these sequence numbers (an earlier run, or --start-seq above 1) drops them as duplicates; run against a fresh server without --start-seq";
  }
  if (f.kind === "disconnected") {
    return context.clientSecret
      ? "check that --client-secret is the server's: it closes every client whose token is wrong"
      : "a server that requires client tokens closes every client at once: pass its --client-secret";
  }
  return null;
}

/** The expected line, with its CRLF shortened to a bare LF. */
function bareLf(expected: Uint8Array | null, got: Uint8Array): boolean {
  if (expected === null || got.length !== expected.length - 1 || got[got.length - 1] !== 0x0a) return false;
  for (let i = 0; i < got.length - 1; i++) if (got[i] !== expected[i]) return false;
  return true;
}
