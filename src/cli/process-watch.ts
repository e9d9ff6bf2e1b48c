/** How often a watched process is checked: there is no portable way to be told when another process exits. */
export const PROCESS_CHECK_MS = 1_000;

/** Whether process `pid` exists: signal 0 checks without sending anything; EPERM means it exists under another user. */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error instanceof Error && "code" in error && error.code === "EPERM";
  }
}

/**
 * Calls `gone` once, after process `pid` has exited. The timer does not keep
 * the event loop alive. Returns a function that stops watching.
 */
export function whenProcessExits(pid: number, gone: () => void, intervalMs = PROCESS_CHECK_MS, exists = processExists): () => void {
  const timer = setInterval(() => {
    if (exists(pid)) return;
    clearInterval(timer);
    gone();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
