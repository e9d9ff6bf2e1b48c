import type { run } from "mitata";

/**
 * Throughput notes: a bench registers how many units (events, chunks, ops)
 * one iteration processes, and after mitata's run the mean time per
 * iteration is turned into units per second.
 */
interface Rate {
  area: string;
  perIteration: number;
  unit: string;
}

const rates = new Map<string, Rate>();

/** Registers `name` as processing `perIteration` `unit`s per call; returns the name for `bench`. */
export function rated(area: string, name: string, perIteration: number, unit: string): string {
  if (rates.has(name)) throw new Error(`duplicate bench name: ${name}`);
  rates.set(name, { area, perIteration, unit });
  return name;
}

/** Every registered bench name, in registration order. */
export function benchNames(): string[] {
  return [...rates.keys()];
}

type Benchmarks = Awaited<ReturnType<typeof run>>["benchmarks"];

function si(x: number): string {
  if (x >= 1e9) return `${(x / 1e9).toFixed(2)} G`;
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)} M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(2)} k`;
  return `${x.toFixed(2)} `;
}

function ns(x: number): string {
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)} ms`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(2)} µs`;
  return `${x.toFixed(2)} ns`;
}

export function printRates(benchmarks: Benchmarks): void {
  const rows: string[][] = [];
  let area = "";
  for (const trial of benchmarks) {
    const rate = rates.get(trial.alias);
    const stats = trial.runs[0]?.stats;
    if (!rate || !stats) continue;
    if (rate.area !== area) {
      area = rate.area;
      rows.push([`[${area}]`, "", "", ""]);
    }
    const perUnit = stats.avg / rate.perIteration;
    rows.push([`  ${trial.alias}`, `${ns(stats.avg)}/iter`, `${ns(perUnit)}/${rate.unit}`, `${si(1e9 / perUnit)}${rate.unit}/s`]);
  }
  if (rows.length === 0) return;
  const widths = [0, 1, 2, 3].map((c) => Math.max(...rows.map((r) => r[c].length)));
  console.log("\nthroughput (mean time per iteration ÷ units per iteration)");
  for (const r of rows) {
    console.log(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  "));
  }
}
