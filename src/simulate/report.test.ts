import { describe, expect, test } from "bun:test";
import { LatencyHistogram } from "./latency-histogram.ts";
import { BANNER, describeFailure, latencySummary, progressLine, summaryLine } from "./report.ts";
import { type Progress, SETTLE_MS, type SimulationResult } from "./simulation.ts";
import type { ClientFailure } from "./verifier.ts";

const encoder = new TextEncoder();
const bytes = (text: string) => encoder.encode(text);

const CONTEXT = { timeoutMs: 20_000, clientSecret: false, sourceSecret: false, clients: 100, barrierClients: 0 };

function result(o: Pick<SimulationResult, "events" | "notifications" | "clients" | "seconds" | "notificationsVerified" | "latency">): SimulationResult {
  return { failure: null, eventsSent: o.events, barrierClients: o.clients, ...o };
}

function progress(o: Partial<Progress>): Progress {
  return { elapsedMs: 0, events: 10, eventsSent: 0, notifications: 20, notificationsVerified: 0, generated: true, ...o };
}

/** Values under 64 µs, so every shown percentile is exact, and a 12.3 s maximum. */
function histogram(): LatencyHistogram {
  const h = new LatencyHistogram();
  h.record(10, 5000);
  h.record(50, 4900);
  h.record(63, 95);
  h.record(12_345_678, 5);
  return h;
}

function failure(o: Partial<ClientFailure> & Pick<ClientFailure, "kind">): ClientFailure {
  return {
    client: 3,
    user: 42,
    verified: 1234,
    total: 5000,
    complete: true,
    expected: bytes("17|P|5|42\r\n"),
    got: null,
    before: [bytes("15|B\r\n"), bytes("16|F|1|42\r\n")],
    ...o,
  };
}

describe("report", () => {
  test("the banner is the original harness's", () => {
    expect(BANNER).toBe("\\o/ ALL NOTIFICATIONS RECEIVED \\o/");
  });

  test("latencySummary: p50, p99, p99.9 and max, three decimals under 10 ms and one from there", () => {
    expect(latencySummary(histogram())).toBe("latency p50 0.010 ms, p99 0.050 ms, p99.9 0.063 ms, max 12345.7 ms");
    const h = new LatencyHistogram();
    h.record(9999);
    h.record(10_000);
    expect(latencySummary(h)).toEndWith("max 10.0 ms");
    h.clear();
    h.record(9999);
    expect(latencySummary(h)).toEndWith("max 9.999 ms");
  });

  test("latencySummary of an empty histogram is all zeros", () => {
    expect(latencySummary(new LatencyHistogram())).toBe("latency p50 0.000 ms, p99 0.000 ms, p99.9 0.000 ms, max 0.000 ms");
  });

  test("summaryLine: counts with separators, rates after the barrier, millions abbreviated", () => {
    const r = result({ events: 1_000_001, notifications: 5_000_100, clients: 100, seconds: 2, notificationsVerified: 5_000_000, latency: histogram() });
    expect(summaryLine(r)).toBe(
      "1,000,001 events, 5,000,100 notifications to 100 clients verified in 2.00 s: " +
        "500,000 events/s, 2.50 M notifications/s; latency p50 0.010 ms, p99 0.050 ms, p99.9 0.063 ms, max 12345.7 ms",
    );
  });

  test("summaryLine rounds rates to whole numbers below a million", () => {
    const r = result({ events: 1001, notifications: 2010, clients: 2, seconds: 3, notificationsVerified: 2000, latency: new LatencyHistogram() });
    expect(summaryLine(r)).toStartWith("1,001 events, 2,010 notifications to 2 clients verified in 3.00 s: 333 events/s, 667 notifications/s; ");
  });

  test("progressLine: elapsed seconds, sent and verified out of the same totals as the summary, event rate after the barrier", () => {
    const p = progress({ elapsedMs: 2500, events: 10_000_000, eventsSent: 1_234_568, notifications: 50_000_000, notificationsVerified: 9_876_543 });
    expect(progressLine(p)).toBe("2.5 s: sent 1,234,568 of 10,000,000 events, verified 9,876,543 of 50,000,000 notifications, 493,827 events/s");
  });

  test("progressLine before every event is generated says how many notifications are owed so far", () => {
    const p = progress({ elapsedMs: 1000, events: 100, eventsSent: 41, notifications: 70, notificationsVerified: 60, generated: false });
    expect(progressLine(p)).toBe("1.0 s: sent 41 of 100 events, verified 60 (70 generated so far) notifications, 40 events/s");
  });

  test("progressLine at the end shows the final figures: all sent, all verified", () => {
    const p = progress({ elapsedMs: 3000, events: 10, eventsSent: 10, notifications: 20, notificationsVerified: 20 });
    expect(progressLine(p)).toBe("3.0 s: sent 10 of 10 events, verified 20 of 20 notifications, 3 events/s");
  });

  test("progressLine at 0 s neither divides by zero nor prints NaN", () => {
    expect(progressLine(progress({}))).toBe("0.0 s: sent 0 of 10 events, verified 0 of 20 notifications, 0 events/s");
    expect(progressLine(progress({ eventsSent: 6 }))).toEndWith(", 5,000 events/s");
  });
});

describe("describeFailure", () => {
  test("mismatch: who, how far, expected and got quoted with \\r\\n escapes, then the lines before", () => {
    expect(describeFailure(failure({ kind: "mismatch", got: bytes("18|B\r\n") }), CONTEXT)).toBe(
      [
        "FAILED: client 3 (user 42) received a wrong line after 1,234 of its 5,000 notifications",
        '  expected: "17|P|5|42\\r\\n"',
        '  got:      "18|B\\r\\n"',
        "  last lines it received correctly:",
        '    "15|B\\r\\n"',
        '    "16|F|1|42\\r\\n"',
      ].join("\n"),
    );
  });

  test("a got line that is the expected one with a bare LF gets a hint", () => {
    const text = describeFailure(failure({ kind: "mismatch", got: bytes("17|P|5|42\n") }), CONTEXT);
    expect(text).toContain('  got:      "17|P|5|42\\n" (ends with a bare LF: notifications end with CRLF)\n');
  });

  test("no bare-LF hint for a different line, a partial line, or a line with CRLF", () => {
    for (const got of ["17|P|5|43\n", "17|P|5|4", "18|B\n", "17|P|5|42\r\r\n"]) {
      const text = describeFailure(failure({ kind: "mismatch", got: bytes(got) }), CONTEXT);
      expect(text).toContain(`  got:      ${JSON.stringify(got)}\n`);
      expect(text).not.toContain("bare LF");
    }
  });

  test("extra: owed nothing more, with what came", () => {
    const text = describeFailure(failure({ kind: "extra", verified: 5000, expected: null, got: bytes("999|B\r\n") }), CONTEXT);
    expect(text.split("\n").slice(0, 3)).toEqual([
      "FAILED: client 3 (user 42) received a line it was not owed after all 5,000 of its notifications",
      "  expected: nothing more",
      '  got:      "999|B\\r\\n"',
    ]);
  });

  test("stalled: the timeout and the notification it was waiting for, and no got line", () => {
    const text = describeFailure(failure({ kind: "stalled" }), CONTEXT);
    expect(text.split("\n").slice(0, 3)).toEqual([
      "FAILED: client 3 (user 42) received nothing for 20,000 ms while owed notification 1,235 (had 1,234 of its 5,000 notifications)",
      '  expected: "17|P|5|42\\r\\n"',
      "  last lines it received correctly:",
    ]);
  });

  test("disconnected before receiving anything correctly says so", () => {
    expect(describeFailure(failure({ kind: "disconnected", verified: 0, before: [] }), CONTEXT)).toBe(
      [
        "FAILED: client 3 (user 42) was disconnected by the server after 0 of its 5,000 notifications",
        '  expected: "17|P|5|42\\r\\n"',
        "  it had received nothing correctly before this",
        "  hint: a server that requires client tokens closes every client at once: pass its --client-secret",
      ].join("\n"),
    );
  });

  test("source closed: one line with the events sent", () => {
    expect(describeFailure({ kind: "source closed", eventsSent: 12_345 }, CONTEXT)).toBe(
      "FAILED: the server closed the event source connection after 12,345 events were sent",
    );
  });

  test("hints at the likely cause of a failure before the first notification", () => {
    const stalled = describeFailure(failure({ kind: "stalled", verified: 0, before: [] }), CONTEXT);
    expect(stalled).toContain("hint: no client got event 1: a server that has already used these sequence numbers");
    expect(stalled).toContain("fresh server without --start-seq");
    // Others got event 1: the server is not reusing numbers, it had not registered this client yet.
    const late = describeFailure(failure({ kind: "stalled", verified: 0, before: [] }), { ...CONTEXT, barrierClients: 77 });
    expect(late).toContain(
      `hint: 77 of the 100 clients got event 1 and this one did not: the server had not registered it when event 1 came, at least ${SETTLE_MS} ms after the clients sent their ids`,
    );
    expect(late).not.toContain("--start-seq");
    expect(describeFailure(failure({ kind: "disconnected", verified: 0, before: [] }), { ...CONTEXT, clientSecret: true })).toContain(
      "hint: check that --client-secret is the server's",
    );
    expect(describeFailure({ kind: "source closed", eventsSent: 0 }, CONTEXT)).toContain("pass its --source-secret");
    expect(describeFailure({ kind: "source closed", eventsSent: 0 }, { ...CONTEXT, sourceSecret: true })).toContain("check that --source-secret");
    // Once notifications flowed, the server's delivery is the suspect, not its setup.
    for (const kind of ["stalled", "disconnected", "mismatch"] as const) expect(describeFailure(failure({ kind }), CONTEXT)).not.toContain("hint:");
  });

  test("before the run is fully generated, a count is of what the client was owed so far", () => {
    expect(describeFailure(failure({ kind: "mismatch", complete: false }), CONTEXT)).toStartWith(
      "FAILED: client 3 (user 42) received a wrong line after 1,234 of the 5,000 notifications it was owed so far",
    );
  });

  test("long received lines are cut at 200 bytes and marked", () => {
    const long = `1|B|${"9".repeat(300)}\r\n`;
    const text = describeFailure(failure({ kind: "mismatch", got: bytes(long) }), CONTEXT);
    expect(text).toContain(`  got:      ${JSON.stringify(`${long.slice(0, 200)}…`)}\n`);
  });
});
