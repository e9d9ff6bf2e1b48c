/**
 * The systemd example in .deploy/: systemd's own checker accepts the unit, it
 * keeps the hardening the README promises, and its environment file holds
 * only variables the server knows, with values it starts with.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { envName } from "../src/cli/flags.ts";
import { SERVE_FLAGS } from "../src/cli/serve-flags.ts";
import { spawnSyncGuarded } from "./support/processes.ts";
import { startServer } from "./support/server-process.ts";

const ROOT = resolve(import.meta.dir, "..");
const unit = readFileSync(resolve(ROOT, ".deploy/follower-maze.service"), "utf8");
const envExample = readFileSync(resolve(ROOT, ".deploy/follower-maze.env.example"), "utf8");

/** `KEY=value` lines, as systemd's EnvironmentFile= reads them (comments and blank lines skipped). */
function environmentFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const equals = line.indexOf("=");
    expect(equals, `a KEY=value line: ${line}`).toBeGreaterThan(0);
    env[line.slice(0, equals)] = line.slice(equals + 1);
  }
  return env;
}

describe("the systemd unit", () => {
  test("passes systemd-analyze verify", () => {
    const analyze = Bun.which("systemd-analyze");
    expect(analyze, "systemd-analyze on PATH (Debian: apt-get install systemd)").not.toBeNull();
    const dir = mkdtempSync(join(tmpdir(), "follower-maze-unit-"));
    try {
      // verify checks that ExecStart names an executable; the installed path does not exist here.
      const copy = unit.replace(/^ExecStart=\S+/m, `ExecStart=${process.execPath}`);
      expect(copy).not.toBe(unit);
      const file = join(dir, "follower-maze.service");
      writeFileSync(file, copy);
      const result = spawnSyncGuarded([analyze as string, "verify", file], { stdout: "pipe", stderr: "pipe", timeout: 10_000 });
      // Unknown or misspelled settings are only warnings: any output fails the test.
      expect({ code: result.exitCode, output: result.stdout.toString() + result.stderr.toString() }).toEqual({ code: 0, output: "" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("runs the binary with the hardening the README lists", () => {
    const settings = unit.split("\n").filter((line) => /^[A-Z]\w*=/.test(line));
    expect(settings).toEqual(
      expect.arrayContaining([
        "ExecStart=/usr/local/bin/follower-maze serve",
        "EnvironmentFile=/etc/follower-maze/follower-maze.env",
        "Restart=on-failure",
        "DynamicUser=yes",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ProtectHome=yes",
        "PrivateTmp=yes",
        "CapabilityBoundingSet=",
        "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
        "SystemCallFilter=@system-service",
        "SystemCallFilter=sched_setattr",
      ]),
    );
    // It would turn off the JIT: see the comment in the unit.
    expect(settings.filter((line) => line.startsWith("MemoryDenyWriteExecute="))).toEqual([]);
  });
});

describe("the environment file example", () => {
  const variables = new Set(Object.keys(SERVE_FLAGS).map((name) => envName(name, SERVE_FLAGS)));
  const commentedOut = [...envExample.matchAll(/^#(FOLLOWER_MAZE_\w+)=/gm)].map((match) => match[1] as string);

  test("sets only variables the server knows, the secrets among them", () => {
    const env = environmentFile(envExample);
    for (const name of [...Object.keys(env), ...commentedOut]) expect(variables).toContain(name);
    expect(Object.keys(env)).toEqual(expect.arrayContaining(["FOLLOWER_MAZE_CLIENT_SECRET", "FOLLOWER_MAZE_SOURCE_SECRET"]));
  });

  test("is a configuration the server starts with (on free ports)", async () => {
    const env = {
      ...environmentFile(envExample),
      FOLLOWER_MAZE_EVENT_PORT: "0",
      FOLLOWER_MAZE_CLIENT_PORT: "0",
      FOLLOWER_MAZE_METRICS_PORT: "0",
    };
    const server = await startServer(undefined, [], env);
    try {
      expect(server.metricsPort).toBeNumber();
      expect(await server.stop("SIGTERM")).toBe(0);
    } finally {
      server.stop("SIGKILL");
    }
  });
});
