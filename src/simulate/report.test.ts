import { describe, expect, test } from "bun:test";
import { LatencyHistogram } from "./latency-histogram.ts";
import { BANNER, describeFailure, latencySummary, progressLine, summaryLine } from "./report.ts";
import type { ClientFailure } from "./verifier.ts";
import type { Workload } from "./workload.ts";

const encoder = new TextEncoder();
const bytes = (text: string) => encoder.encode(text);

/** Only what the report reads of a workload. */
function workload(events: number, notifications: number, clients: number): Workload {
  return { events, notifications, clientUsers: new Int32Array(clients) } as Workload;
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
    const result = { failure: null, seconds: 2, eventsSent: 1_000_001, notificationsVerified: 5_000_000, latency: histogram() };
    expect(summaryLine(workload(1_000_001, 5_000_100, 100), result)).toBe(
      "1,000,001 events, 5,000,100 notifications to 100 clients verified in 2.00 s: " +
        "500,000 events/s, 2.50 M notifications/s; latency p50 0.010 ms, p99 0.050 ms, p99.9 0.063 ms, max 12345.7 ms",
    );
  });

  test("summaryLine rounds rates to whole numbers below a million", () => {
    const result = { failure: null, seconds: 3, eventsSent: 1001, notificationsVerified: 2000, latency: new LatencyHistogram() };
    expect(summaryLine(workload(1001, 2010, 2), result)).toStartWith(
      "1,001 events, 2,010 notifications to 2 clients verified in 3.00 s: 333 events/s, 667 notifications/s; ",
    );
  });

  test("progressLine: elapsed seconds, sent and verified out of totals after the barrier, event rate", () => {
    const line = progressLine(workload(10_000_000, 50_000_000, 100), { elapsedMs: 2500, eventsSent: 1_234_567, notificationsVerified: 9_876_543 });
    expect(line).toBe("2.5 s: sent 1,234,567 of 10,000,000 events, verified 9,876,543 of 49,999,900 notifications, 493,827 events/s");
  });

  test("progressLine at 0 s neither divides by zero nor prints NaN", () => {
    expect(progressLine(workload(10, 20, 2), { elapsedMs: 0, eventsSent: 0, notificationsVerified: 0 })).toBe(
      "0.0 s: sent 0 of 10 events, verified 0 of 18 notifications, 0 events/s",
    );
    expect(progressLine(workload(10, 20, 2), { elapsedMs: 0, eventsSent: 5, notificationsVerified: 0 })).toEndWith(", 5,000 events/s");
  });
});

describe("describeFailure", () => {
  test("mismatch: who, how far, expected and got quoted with \\r\\n escapes, then the lines before", () => {
    expect(describeFailure(failure({ kind: "mismatch", got: bytes("18|B\r\n") }), 20_000)).toBe(
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
    const text = describeFailure(failure({ kind: "mismatch", got: bytes("17|P|5|42\n") }), 20_000);
    expect(text).toContain('  got:      "17|P|5|42\\n" (ends with a bare LF: notifications end with CRLF)\n');
  });

  test("no bare-LF hint for a different line, a partial line, or a line with CRLF", () => {
    for (const got of ["17|P|5|43\n", "17|P|5|4", "18|B\n", "17|P|5|42\r\r\n"]) {
      const text = describeFailure(failure({ kind: "mismatch", got: bytes(got) }), 20_000);
      expect(text).toContain(`  got:      ${JSON.stringify(got)}\n`);
      expect(text).not.toContain("bare LF");
    }
  });

  test("extra: owed nothing more, with what came", () => {
    const text = describeFailure(failure({ kind: "extra", verified: 5000, expected: null, got: bytes("999|B\r\n") }), 20_000);
    expect(text.split("\n").slice(0, 3)).toEqual([
      "FAILED: client 3 (user 42) received a line it was not owed after all 5,000 of its notifications",
      "  expected: nothing more",
      '  got:      "999|B\\r\\n"',
    ]);
  });

  test("stalled: the timeout and the notification it was waiting for, and no got line", () => {
    const text = describeFailure(failure({ kind: "stalled" }), 20_000);
    expect(text.split("\n").slice(0, 3)).toEqual([
      "FAILED: client 3 (user 42) received nothing for 20,000 ms while owed notification 1,235 (had 1,234 of its 5,000 notifications)",
      '  expected: "17|P|5|42\\r\\n"',
      "  last lines it received correctly:",
    ]);
  });

  test("disconnected before receiving anything correctly says so", () => {
    expect(describeFailure(failure({ kind: "disconnected", verified: 0, before: [] }), 20_000)).toBe(
      [
        "FAILED: client 3 (user 42) was disconnected by the server after 0 of its 5,000 notifications",
        '  expected: "17|P|5|42\\r\\n"',
        "  it had received nothing correctly before this",
      ].join("\n"),
    );
  });

  test("source closed: one line with the events sent", () => {
    expect(describeFailure({ kind: "source closed", eventsSent: 12_345 }, 20_000)).toBe(
      "FAILED: the server closed the event source connection after 12,345 events were sent",
    );
  });

  test("long received lines are cut at 200 bytes and marked", () => {
    const long = `1|B|${"9".repeat(300)}\r\n`;
    const text = describeFailure(failure({ kind: "mismatch", got: bytes(long) }), 20_000);
    expect(text).toContain(`  got:      ${JSON.stringify(`${long.slice(0, 200)}…`)}\n`);
  });
});
