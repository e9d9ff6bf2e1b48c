/**
 * The server's life under whatever started it, as the README's Shutdown and
 * "Running under a supervisor" sections describe: SIGHUP shuts down like
 * SIGTERM, `--parent-pid` ties it to another process, and `npm start` leaves
 * no server behind when npm itself is killed.
 */
import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { resolve } from "node:path";
import type { Subprocess } from "bun";
import { processExists } from "../src/cli/process-watch.ts";
import { crlf, EventSource, paddedPrivate, UserClient, waitFor } from "./support/net-harness.ts";
import { liveChildren, spawnTracked } from "./support/processes.ts";
import { childEnv, runCommand, type ServerProcess, startServer } from "./support/server-process.ts";

setDefaultTimeout(20_000);

const ROOT = resolve(import.meta.dir, "..");
const MiB = 1024 * 1024;

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

async function start(flags: string[]): Promise<ServerProcess> {
  const server = await startServer(undefined, flags);
  cleanups.push(() => server.stop("SIGKILL"));
  return server;
}

/** A process that only waits to be killed, to stand in for a parent. */
function standInParent(): Subprocess {
  return spawnTracked(["sleep", "60"], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
}

/**
 * A server whose shutdown lasts its whole 2.5 s deadline: a client that never
 * reads is owed 24 MiB, more than the kernel's socket buffers hold.
 */
async function serverOwingAClient(flags: string[] = []): Promise<ServerProcess> {
  const server = await start([
    "--log-level",
    "debug",
    "--stats-interval",
    "20",
    "--max-line-bytes",
    String(MiB),
    "--max-client-buffer",
    "256MiB",
    "--shutdown-timeout",
    "2500",
    ...flags,
  ]);
  const client = await UserClient.connect(server.clientPort, "1\r\n", { paused: true });
  cleanups.push(() => client.terminate());
  await waitFor(() => server.stderr().includes("connected as user 1\n"), "user 1 to be registered", undefined, server.stderr);
  const source = await EventSource.connect(server.eventPort);
  cleanups.push(() => source.terminate());
  const events = Array.from({ length: 24 }, (_, i) => paddedPrivate(i + 1, 2, 1, MiB));
  await source.send(crlf(...events));
  await waitFor(() => /events in 24, .* queued [1-9]\d* B/.test(server.stderr()), "bytes queued in the server", undefined, server.stderr);
  return server;
}

describe("SIGHUP", () => {
  test("shuts down gracefully, like SIGTERM, and exits 0", async () => {
    const server = await start([]);
    expect(await server.stop("SIGHUP")).toBe(0);
    expect(server.stderr()).toContain("SIGHUP: shutting down, flushing queued notifications");
    expect(server.stderr()).toMatch(/stopped\. events in 0/);
  });

  test("during a shutdown, it is a second signal: exit at once with status 1", async () => {
    const server = await serverOwingAClient();
    server.stop("SIGTERM");
    await waitFor(() => server.stderr().includes("SIGTERM: shutting down"), "the shutdown to begin", undefined, server.stderr);
    expect(await server.stop("SIGHUP")).toBe(1);
    expect(server.stderr()).toContain("SIGHUP again: exiting without waiting for clients");
    expect(server.stderr()).not.toContain("shutdown deadline passed");
  });
});

describe("--parent-pid", () => {
  test("shuts down gracefully once that process has exited, and exits 0", async () => {
    const parent = standInParent();
    const server = await start(["--parent-pid", String(parent.pid)]);
    expect(server.stderr()).not.toContain("shutting down");
    parent.kill("SIGKILL");
    await parent.exited;
    expect(await server.exited).toBe(0);
    expect(server.stderr()).toContain(`parent process ${parent.pid} exited: shutting down, flushing queued notifications`);
    expect(server.stderr()).toMatch(/stopped\. events in 0/);
  });

  test("a process that is not running is a usage error (exit 2), before anything listens", async () => {
    const gone = spawnTracked(["true"]);
    await gone.exited;
    const run = await runCommand(undefined, ["--event-port", "0", "--client-port", "0", "--parent-pid", String(gone.pid)]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(`follower-maze: --parent-pid: no process ${gone.pid} is running (see follower-maze --help)`);
  });

  test("a parent that exits while the server shuts down does not cut the shutdown short", async () => {
    const parent = standInParent();
    const server = await serverOwingAClient(["--parent-pid", String(parent.pid)]);
    server.stop("SIGTERM");
    await waitFor(() => server.stderr().includes("SIGTERM: shutting down"), "the shutdown to begin", undefined, server.stderr);
    parent.kill("SIGKILL");
    await parent.exited;
    // The deadline (2.5 s) outlasts the parent checks (one a second) that would have fired.
    expect(await server.exited).toBe(0);
    expect(server.stderr()).toContain("shutdown deadline passed");
    expect(server.stderr()).not.toContain("parent process");
  });
});

describe("npm start", () => {
  test("leaves no server behind when npm is killed", async () => {
    const npm = spawnTracked(["npm", "start", "--", "--event-port", "0", "--client-port", "0"], {
      cwd: ROOT,
      env: childEnv(),
      stdin: "ignore",
      stdout: "ignore",
      stderr: "pipe",
    });
    // The server writes to this pipe too, so it ends only when the server has exited.
    let stderr = "";
    const ended = (async () => {
      for await (const chunk of npm.stderr) stderr += Buffer.from(chunk).toString();
    })();
    await waitFor(
      () => stderr.includes("listening: events on"),
      "npm start to print the startup line",
      15_000,
      () => stderr,
    );
    // With `exec` in the script, the server is npm's only child: no shell in between.
    const children = liveChildren(npm.pid);
    expect(children).toEqual([expect.stringContaining("src/main.ts --parent-pid")]);
    const server = Number.parseInt(children[0] as string, 10);
    // No longer ours once npm is gone: the preload cannot reach it.
    cleanups.push(() => {
      if (processExists(server)) process.kill(server, "SIGKILL");
    });

    npm.kill("SIGKILL");
    await npm.exited;
    let done = false;
    ended.then(() => (done = true));
    await waitFor(
      () => done,
      "the server to exit after npm",
      undefined,
      () => stderr,
    );
    expect(stderr).toContain(`parent process ${npm.pid} exited: shutting down`);
    expect(stderr).toMatch(/stopped\. events in 0/);
  });
});
