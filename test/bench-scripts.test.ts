/**
 * The benchmark scripts as a user runs them: their own mistakes are one line
 * and a non-zero exit, never a stack trace or an empty table. Nothing here
 * measures anything: each run stops before a benchmark starts.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { resolve } from "node:path";
import { spawnTracked } from "./support/processes.ts";

// The micro-benchmarks build their workloads on import (about 1.5 s of CPU).
setDefaultTimeout(30_000);

const ROOT = resolve(import.meta.dir, "..");

/** Runs a bench script with this Bun, under `wrapper` (a command that execs the rest) if given. */
async function script(file: string, args: string[], wrapper: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawnTracked([...wrapper, process.execPath, file, ...args], { cwd: ROOT, stdin: "ignore", stdout: "pipe", stderr: "pipe", timeout: 25_000 });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { code, stdout, stderr };
}

function expectOneLine(stderr: string, start: string): void {
  expect(stderr.endsWith("\n")).toBe(true);
  const lines = stderr.slice(0, -1).split("\n");
  expect(lines).toEqual([expect.stringMatching(new RegExp(`^${start}`))]);
  expect(lines[0]).not.toMatch(/\bat .*:\d+/);
}

describe("bun run bench:e2e", () => {
  test.each([["--help"], ["-h"]])("%s prints the usage and the runs, exit 0", async (flag) => {
    const result = await script("test/bench/e2e.ts", [flag]);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toStartWith("Usage: bun run bench:e2e");
    for (const run of ["default", "1m", "scale", "latency", "ci"]) expect(result.stdout).toContain(run);
  });

  test("an unknown flag is one line, exit 2", async () => {
    const result = await script("test/bench/e2e.ts", ["--bogus"]);
    expect(result.code).toBe(2);
    expectOneLine(result.stderr, "bench:e2e: Unknown option '--bogus'");
  });

  test("an unknown run is one line, exit 2", async () => {
    const result = await script("test/bench/e2e.ts", ["nosuchrun"]);
    expect(result.code).toBe(2);
    expectOneLine(result.stderr, "bench:e2e: unknown run nosuchrun");
  });

  test.each([
    [["default", "--pin"], "--pin applies"],
    [["--rate", "500000", "latency"], "--rate applies"],
    [["scale", "--rounds", "3", "--against", "/bin/true"], "--rounds, --against apply"],
  ])("%p: latency-paired's options elsewhere are one line, exit 2, before anything starts", async (args, named) => {
    const result = await script("test/bench/e2e.ts", ["--binary", "/nonexistent", ...args]);
    expect(result).toMatchObject({ code: 2, stdout: "" });
    expectOneLine(result.stderr, `bench:e2e: ${named} only to latency-paired \\(see bun run bench:e2e --help\\)$`);
  });

  test("latency-paired --pin on one CPU is one line, exit 2, before anything starts", async () => {
    const taskset = Bun.which("taskset");
    if (taskset === null) throw new Error("this test needs taskset (util-linux) on PATH");
    const result = await script("test/bench/e2e.ts", ["--binary", "/nonexistent", "latency-paired", "--pin"], [taskset, "-c", "0"]);
    expect(result).toMatchObject({ code: 2, stdout: "" });
    expectOneLine(result.stderr, "bench:e2e: --pin needs at least 2 CPUs, and this process may use 1$");
  });
});

describe("bun run bench", () => {
  test("a pattern no benchmark matches is one line, exit 2, and no table", async () => {
    const result = await script("test/bench/index.ts", ["^no such bench$"]);
    expect(result.code).toBe(2);
    expectOneLine(result.stderr, "bench: no benchmark name matches /\\^no such bench\\$/; names: .*SeqHeap hold @100");
    expect(result.stdout).not.toContain("throughput");
  });

  test("a pattern that is not a regular expression is one line, exit 2", async () => {
    const result = await script("test/bench/index.ts", ["("]);
    expect(result.code).toBe(2);
    expectOneLine(result.stderr, "bench: Invalid regular expression");
  });
});
