/**
 * Reading the metrics endpoint as Prometheus would: one GET of /metrics,
 * parsed into samples keyed exactly as written (`name{label="value"}`).
 */
import { HOST } from "./net-harness.ts";

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/;

export function metricsUrl(port: number, path = "/metrics"): string {
  return `http://${HOST}:${port}${path}`;
}

/** Every sample of one page; throws on any line that is neither a comment nor a sample. */
export function parseSamples(page: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of page.split("\n")) {
    if (line === "" || line.startsWith("# ")) continue;
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`not a sample line: ${JSON.stringify(line)}`);
    const raw = match[2] as string;
    samples.set(match[1] as string, raw === "+Inf" ? Infinity : raw === "-Inf" ? -Infinity : Number(raw));
  }
  return samples;
}

/** One scrape, as a function from sample key to value that fails loudly on a missing sample. */
export async function scrape(port: number): Promise<(key: string) => number> {
  const response = await fetch(metricsUrl(port));
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  const samples = parseSamples(await response.text());
  return (key) => {
    const value = samples.get(key);
    if (value === undefined) throw new Error(`no sample ${key} in /metrics; it has: ${[...samples.keys()].join(", ")}`);
    return value;
  };
}
