/**
 * Loaded before every test file (bunfig.toml): no process a test starts
 * outlives it, and the run fails if one outlived the whole run.
 */
import { afterAll, afterEach, beforeEach } from "bun:test";
import { killAll, liveChildren, stillRunning, testEnded, testStarted } from "./processes.ts";

beforeEach(testStarted);
// Runs after each file's own afterEach: whatever cleanup the test had, or did not reach, came first.
afterEach(testEnded);

afterAll(async () => {
  const strays = liveChildren();
  const left = [...new Set([...stillRunning(), ...strays])];
  await killAll();
  // Children started some other way are ours too: end them by pid.
  for (const stray of strays) {
    try {
      process.kill(Number.parseInt(stray, 10), "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  if (left.length > 0) throw new Error(`processes still running at the end of the test run (now killed):\n  ${left.join("\n  ")}`);
});
