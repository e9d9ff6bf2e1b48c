import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/net-harness.ts";
import { spawnTracked } from "../../test/support/processes.ts";
import { processExists, whenProcessExits } from "./process-watch.ts";

describe("processExists", () => {
  test("is true for this process and for init, false once a child has exited", async () => {
    expect(processExists(process.pid)).toBe(true);
    // Unless this runs as root, signalling PID 1 is refused (EPERM): it still exists.
    expect(processExists(1)).toBe(true);
    const child = spawnTracked(["true"]);
    await child.exited;
    expect(processExists(child.pid)).toBe(false);
  });
});

describe("whenProcessExits", () => {
  test("calls back once, at the first check that finds the process gone", async () => {
    let alive = true;
    let checks = 0;
    let calls = 0;
    whenProcessExits(
      42,
      () => calls++,
      1,
      (pid) => {
        expect(pid).toBe(42);
        checks++;
        return alive;
      },
    );
    await waitFor(() => checks >= 3, "three checks while the process runs");
    expect(calls).toBe(0);
    alive = false;
    await waitFor(() => calls === 1, "the callback");
    const checksWhenGone = checks;
    await Bun.sleep(10);
    expect({ calls, checks }).toEqual({ calls: 1, checks: checksWhenGone });
  });

  test("stops checking when told to", async () => {
    let checks = 0;
    const stop = whenProcessExits(
      42,
      () => {
        throw new Error("must not be called");
      },
      1,
      () => {
        checks++;
        return false;
      },
    );
    stop();
    await Bun.sleep(10);
    expect(checks).toBe(0);
  });
});
