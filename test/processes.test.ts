/**
 * The guarantees of test/support/processes.ts and the preload: a process a
 * test starts dies with the test, and with the test process however that ends.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { waitFor } from "./support/net-harness.ts";
import { liveChildren, spawnTracked, stillRunning } from "./support/processes.ts";

const FIXTURE = resolve(import.meta.dir, "support/leaves-a-child.ts");

/** Alive and not a zombie (an exited child its parent has not reaped yet). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

describe("processes started by tests", () => {
  let leftBehind = 0;

  test("a test that leaves a process running...", async () => {
    const child = spawnTracked(["sleep", "60"], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
    leftBehind = child.pid;
    expect(alive(leftBehind)).toBe(true);
    expect(stillRunning()).toContainEqual(`${leftBehind} sleep 60`);
    // Until the child has exec'd, /proc shows an empty or inherited command line.
    const listed = new RegExp(`^${leftBehind} .*sleep 60$`);
    await waitFor(() => liveChildren().some((line) => listed.test(line)), `sleep ${leftBehind} to show in /proc`);
  });

  test("...has it killed when it ends", () => {
    expect(leftBehind).toBeGreaterThan(0);
    expect(alive(leftBehind)).toBe(false);
    expect(stillRunning()).toEqual([]);
  });

  test("liveChildren sees a child that did not go through spawnTracked", async () => {
    const child = Bun.spawn(["sleep", "60"], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
    try {
      const listed = new RegExp(`^${child.pid} sleep 60$`);
      await waitFor(() => liveChildren().some((line) => listed.test(line)), `sleep ${child.pid} to show in /proc`);
    } finally {
      child.kill("SIGKILL");
      await child.exited;
    }
    expect(liveChildren()).not.toContainEqual(expect.stringMatching(new RegExp(`^${child.pid} `)));
  });

  test.each([
    ["exits normally", "exit", null],
    ["is terminated", "wait", "SIGTERM"],
    ["is interrupted", "wait", "SIGINT"],
    ["is killed without a chance to clean up", "wait", "SIGKILL"],
  ] as const)("when the test process %s, its children die too", async (_, mode, signal) => {
    const parent = spawnTracked([process.execPath, FIXTURE, mode], { stdin: "ignore", stdout: "pipe", stderr: "inherit" });
    const reader = parent.stdout.getReader();
    let text = "";
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    const grandchild = Number(text.trim());
    expect(grandchild).toBeGreaterThan(0);
    if (signal !== null) {
      expect(alive(grandchild)).toBe(true);
      parent.kill(signal);
    }
    await parent.exited;
    await waitFor(() => !alive(grandchild), `sleep ${grandchild} to die with its parent`);
  });
});
