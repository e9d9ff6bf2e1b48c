/**
 * The compiled executable, driven like a user would: real traffic on free
 * ports, its version, its errors and its shutdown. Uses $TEST_BINARY when set
 * (CI points it at dist/follower-maze after `bun run build`); otherwise builds
 * one into a temporary folder first.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import pkg from "../package.json" with { type: "json" };
import { sliceOf } from "../src/runtime/scheduler-slice.ts";
import { BANNER } from "../src/simulate/report.ts";
import { kernelTakesSlices } from "./support/kernel.ts";
import { waitFor } from "./support/net-harness.ts";
import { fileResidentKiB } from "./support/proc-status.ts";
import { spawnSyncGuarded } from "./support/processes.ts";
import { runSimulate, type ServerProcess, startServer } from "./support/server-process.ts";

const ROOT = resolve(import.meta.dir, "..");
let binary: string;
let scratch: string | undefined;

beforeAll(async () => {
  if (process.env.TEST_BINARY) {
    binary = resolve(ROOT, process.env.TEST_BINARY);
    return;
  }
  scratch = mkdtempSync(join(tmpdir(), "follower-maze-binary-"));
  const build = spawnSyncGuarded([process.execPath, "build.ts", "--outdir", scratch], { cwd: ROOT, stdout: "pipe", stderr: "pipe", timeout: 110_000 });
  if (build.exitCode !== 0) throw new Error(`build failed: ${build.stderr.toString()}`);
  binary = join(scratch, "follower-maze");
}, 120_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

function runBinary(args: string[]) {
  const result = spawnSyncGuarded([binary, ...args], { cwd: tmpdir(), stdout: "pipe", stderr: "pipe", env: { PATH: process.env.PATH ?? "" }, timeout: 10_000 });
  return { code: result.exitCode, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
}

describe("compiled binary", () => {
  test("reports the package version it was built from", () => {
    expect(runBinary(["--version"])).toEqual({ code: 0, stdout: `follower-maze ${pkg.version}\n`, stderr: "" });
  });

  test("rejects a bad flag with one line and exit status 2", () => {
    const result = runBinary(["--max-pending", "0"]);
    expect(result.code).toBe(2);
    expect(result.stderr.trimEnd().split("\n")).toEqual([expect.stringContaining("--max-pending")]);
  });

  test("passes its own simulator's 50,000-event verification, then shuts down cleanly on SIGTERM", async () => {
    await withServer(["--log-level", "warn"], async (server) => {
      const run = await runSimulate(binary, server.eventPort, server.clientPort, ["--totalEvents", "50000", "--concurrencyLevel", "20", "--logLevel", "warn"]);
      expect(run.stdout).toStartWith(`${BANNER}\n50,000 events`);
      expect(run).toMatchObject({ code: 0, stderr: "" });
    });
  }, 60_000);

  test("unmaps its executable's resident pages before listening, and says so after the listening line", async () => {
    const line = /unmapped (\d+\.\d) MiB of the executable's resident pages/;
    await withServer(["--log-level", "debug"], async ({ stderr }) => {
      await waitFor(() => line.test(stderr()), "the debug line", undefined, stderr);
      const unmapped = line.exec(stderr());
      // The warm-up and the listeners' start alone touch several MiB of code.
      expect(Number(unmapped?.[1])).toBeGreaterThan(1);
      expect(stderr().indexOf(" listening: ")).toBeLessThan(stderr().search(line));
      expect(stderr()).toContain("and are unmapped again every 1000 ms");
    });
    // --code-pages-interval off: only the release at start.
    await withServer(["--log-level", "debug", "--code-pages-interval", "off"], async ({ stderr }) => {
      await waitFor(() => line.test(stderr()), "the debug line", undefined, stderr);
      expect(stderr()).toContain("they map again as they run\n");
    });
  }, 30_000);

  test.if(process.platform === "linux")(
    "keeps unmapping them while it runs: an idle server's resident executable pages fall to a fraction",
    async () => {
      await withServer(["--log-level", "debug"], async ({ pid, stderr }) => {
        await waitFor(() => stderr().includes("unmapped again every"), "the debug line", undefined, stderr);
        // What starting to serve ran (the compiler finishing the warm-up's code among it) is mapped again by now.
        const listening = fileResidentKiB(pid);
        await waitFor(
          () => fileResidentKiB(pid) < listening / 2,
          `RssFile below half of ${listening} kB`,
          10_000,
          () => `${fileResidentKiB(pid)} kB`,
        );
      });
    },
    30_000,
  );

  test.if(process.platform === "linux")(
    "asks for a 100 µs scheduler slice for the thread that serves the sockets; with --scheduler-slice off it keeps the kernel's",
    async () => {
      const slice = (pid: number | string) => sliceOf(readFileSync(`/proc/${pid}/task/${pid}/sched`, "utf8"));
      // A fresh process's, as the kernel hands it out.
      const kernels = sliceOf(spawnSyncGuarded(["cat", "/proc/self/sched"], { stdout: "pipe", timeout: 5_000 }).stdout.toString());
      expect(kernels).toBeGreaterThan(0);
      const line = /debug scheduler slice.*/;
      for (const [flags, expected] of [
        [[], kernelTakesSlices() ? 100_000 : kernels],
        [["--scheduler-slice", "off"], kernels],
      ] as const) {
        await withServer(["--log-level", "debug", ...flags], async ({ pid, stderr }) => {
          await waitFor(() => line.test(stderr()), "the debug line", undefined, stderr);
          expect(slice(pid)).toBe(expected);
          expect(stderr().indexOf(" listening: ")).toBeLessThan(stderr().search(line));
        });
      }
    },
    30_000,
  );
});

/** Runs `use` against the binary serving with `flags`, then expects a clean exit on SIGTERM; kills it whatever happens. */
async function withServer(flags: string[], use: (server: ServerProcess) => Promise<void>): Promise<void> {
  let server: ServerProcess | undefined;
  try {
    server = await startServer(binary, flags);
    await use(server);
    expect(await server.stop("SIGTERM")).toBe(0);
  } finally {
    if (server) {
      server.stop("SIGKILL");
      await server.exited;
    }
  }
}
