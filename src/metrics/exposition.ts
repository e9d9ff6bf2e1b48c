import type { Histogram } from "./histogram.ts";

/** The Content-Type of the format {@link Exposition} writes. */
export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export type MetricType = "counter" | "gauge" | "histogram";
export type Labels = Readonly<Record<string, string>>;

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A label value inside its double quotes. */
export function escapeLabelValue(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

/** HELP text runs to the end of its line, so only backslashes and line breaks are escaped. */
export function escapeHelp(text: string): string {
  return text.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
}

/** A sample value as Prometheus parses it: Go float syntax with +Inf, -Inf and NaN. */
export function formatValue(value: number): string {
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

export function formatLabels(labels: Labels): string {
  const names = Object.keys(labels);
  if (names.length === 0) return "";
  for (const name of names) {
    if (!LABEL_NAME.test(name) || name.startsWith("__")) throw new Error(`invalid label name ${JSON.stringify(name)}`);
  }
  return `{${names.map((name) => `${name}="${escapeLabelValue(labels[name] as string)}"`).join(",")}}`;
}

/**
 * Builds a page in the Prometheus text exposition format (0.0.4): each metric
 * family a HELP and a TYPE line followed by its samples. Samples always belong
 * to the family opened last, so a family's lines cannot end up apart.
 */
export class Exposition {
  private text = "";
  private current = "";

  family(name: string, type: MetricType, help: string): void {
    if (!METRIC_NAME.test(name)) throw new Error(`invalid metric name ${JSON.stringify(name)}`);
    this.current = name;
    this.text += `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`;
  }

  /** A sample of the family opened last. */
  sample(labels: Labels, value: number): void {
    this.line(this.current, labels, value);
  }

  /** A whole histogram family: cumulative `_bucket` samples up to `le="+Inf"`, then `_sum` and `_count`. */
  histogram(name: string, help: string, histogram: Histogram, labels: Labels = {}): void {
    if ("le" in labels) throw new Error('a histogram\'s own label "le" cannot be given');
    this.family(name, "histogram", help);
    let cumulative = 0;
    for (let i = 0; i <= histogram.bounds.length; i++) {
      cumulative += histogram.counts[i] as number;
      this.line(`${name}_bucket`, { ...labels, le: formatValue(histogram.bounds[i] ?? Infinity) }, cumulative);
    }
    this.line(`${name}_sum`, labels, histogram.sum);
    this.line(`${name}_count`, labels, histogram.count);
  }

  toString(): string {
    return this.text;
  }

  private line(name: string, labels: Labels, value: number): void {
    if (name === "") throw new Error("a sample needs a metric family first");
    this.text += `${name}${formatLabels(labels)} ${formatValue(value)}\n`;
  }
}
