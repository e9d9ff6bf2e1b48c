import { describe, expect, test } from "bun:test";
import { Exposition, escapeHelp, escapeLabelValue, formatLabels, formatValue } from "./exposition.ts";
import { Histogram } from "./histogram.ts";

describe("escaping and number syntax", () => {
  test("label values escape backslash, double quote and line break", () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect(escapeLabelValue("plain é")).toBe("plain é");
  });

  test("HELP text escapes backslash and line break but not quotes", () => {
    expect(escapeHelp('say "x"\\\nnext')).toBe('say "x"\\\\\\nnext');
  });

  test("values use Prometheus' spelling of infinities and NaN", () => {
    expect([Infinity, -Infinity, Number.NaN, 0, 42, 0.25, 2 ** 53, 1e-7].map(formatValue)).toEqual([
      "+Inf",
      "-Inf",
      "NaN",
      "0",
      "42",
      "0.25",
      "9007199254740992",
      "1e-7",
    ]);
  });

  test("labels keep their order; bad or reserved names are refused", () => {
    expect(formatLabels({})).toBe("");
    expect(formatLabels({ reason: "slow", le: "0.5" })).toBe('{reason="slow",le="0.5"}');
    expect(() => formatLabels({ "bad-name": "x" })).toThrow("invalid label name");
    expect(() => formatLabels({ __name__: "x" })).toThrow("invalid label name");
  });
});

describe("Exposition", () => {
  test("writes HELP and TYPE before each family's samples, one line each, ending in a line break", () => {
    const page = new Exposition();
    page.family("app_requests_total", "counter", "Requests served.\nAll of them.");
    page.sample({}, 3);
    page.family("app_disconnects_total", "counter", "Disconnects by reason.");
    page.sample({ reason: "slow" }, 1);
    page.sample({ reason: 'odd "one"' }, 0);
    page.family("app_queue_bytes", "gauge", "Bytes queued.");
    page.sample({}, 512);
    expect(page.toString()).toBe(
      [
        "# HELP app_requests_total Requests served.\\nAll of them.",
        "# TYPE app_requests_total counter",
        "app_requests_total 3",
        "# HELP app_disconnects_total Disconnects by reason.",
        "# TYPE app_disconnects_total counter",
        'app_disconnects_total{reason="slow"} 1',
        'app_disconnects_total{reason="odd \\"one\\""} 0',
        "# HELP app_queue_bytes Bytes queued.",
        "# TYPE app_queue_bytes gauge",
        "app_queue_bytes 512",
        "",
      ].join("\n"),
    );
  });

  test("a histogram has cumulative buckets up to +Inf, then its sum and count", () => {
    const histogram = new Histogram([0.001, 0.01, 0.1]);
    histogram.observe(0.0005, 2);
    histogram.observe(0.05);
    histogram.observe(3);
    const page = new Exposition();
    page.histogram("app_latency_seconds", "Latency.", histogram, { path: "/x" });
    expect(page.toString()).toBe(
      [
        "# HELP app_latency_seconds Latency.",
        "# TYPE app_latency_seconds histogram",
        'app_latency_seconds_bucket{path="/x",le="0.001"} 2',
        'app_latency_seconds_bucket{path="/x",le="0.01"} 2',
        'app_latency_seconds_bucket{path="/x",le="0.1"} 3',
        'app_latency_seconds_bucket{path="/x",le="+Inf"} 4',
        'app_latency_seconds_sum{path="/x"} 3.051',
        'app_latency_seconds_count{path="/x"} 4',
        "",
      ].join("\n"),
    );
  });

  test("an empty histogram still lists every bucket", () => {
    const page = new Exposition();
    page.histogram("h", "Empty.", new Histogram([1, 2]));
    expect(page.toString()).toContain('h_bucket{le="1"} 0\nh_bucket{le="2"} 0\nh_bucket{le="+Inf"} 0\nh_sum 0\nh_count 0\n');
  });

  test("refuses bad metric names, samples outside a family and a histogram label named le", () => {
    expect(() => new Exposition().family("1st", "gauge", "x")).toThrow("invalid metric name");
    expect(() => new Exposition().family("a-b", "gauge", "x")).toThrow("invalid metric name");
    expect(() => new Exposition().sample({}, 1)).toThrow("needs a metric family");
    expect(() => new Exposition().histogram("h", "x", new Histogram([1]), { le: "1" })).toThrow('"le"');
  });
});
