import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { envName } from "../../src/cli/flags.ts";
import { SIMULATE_FLAGS } from "../../src/cli/simulate-flags.ts";
import { statusKiB } from "./proc-status.ts";
import { spawnTracked } from "./processes.ts";

const ROOT = resolve(import.meta.dir, "../..");
/** The startup line; a port serving TLS is marked " (TLS)". */
const LISTENING =
  /listening: events on (\S+):(\d+)(?: \(TLS\))?, clients on (\S+):(\d+)(?: \(TLS\))?(?:, websocket clients on wss?:\/\/(\S+):(\d+))?(?:, metrics on http:\/\/(\S+):(\d+))?$/;

/** The ports in the startup line, printed bare or (--log-format json) as the `msg` of a JSON object; null for any other line. */
function listeningPorts(line: string): { eventPort: number; clientPort: number; wsPort: number | null; metricsPort: number | null } | null {
  let text = line;
  if (line.startsWith("{")) {
    try {
      text = String(JSON.parse(line).msg);
    } catch {
      return null;
    }
  }
  const match = LISTENING.exec(text);
  if (!match) return null;
  const optional = (group: string | undefined) => (group === undefined ? null : Number(group));
  return { eventPort: Number(match[2]), clientPort: Number(match[4]), wsPort: optional(match[6]), metricsPort: optional(match[8]) };
}

/** A server running as a child process, on ports the OS picked. */
export interface ServerProcess {
  pid: number;
  eventPort: number;
  clientPort: number;
  /** Null unless started with a WebSocket port. */
  wsPort: number | null;
  /** Null unless started with a metrics port. */
  metricsPort: number | null;
  /** Everything the server wrote to stderr so far. */
  stderr(): string;
  /** Records RSS and CPU from /proc; call it now and then during a run. */
  sample(): void;
  usage(): { peakRssMiB: number; rssMiB: number; cpuSeconds: number };
  /** SIGTERM, then the exit status. */
  stop(signal?: NodeJS.Signals): Promise<number>;
  exited: Promise<number>;
}

/** The simulator's own variables, which keep the original harness's names. */
const SIMULATOR_VARIABLES = new Set(Object.keys(SIMULATE_FLAGS).map((name) => envName(name, SIMULATE_FLAGS)));

/**
 * The parent's environment without any FOLLOWER_MAZE_* or simulator setting,
 * plus `env`: a developer's own settings must not leak into the process under test.
 */
export function childEnv(env: Record<string, string> = {}): Record<string, string> {
  const clean: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith("FOLLOWER_MAZE_") && !SIMULATOR_VARIABLES.has(key) && value !== undefined) clean[key] = value;
  }
  return { ...clean, ...env };
}

/** `follower-maze` as a command: the binary at `binary`, or the source run by this Bun. */
export function followerMaze(binary: string | undefined): string[] {
  return binary ? [resolve(binary)] : [process.execPath, resolve(ROOT, "src/main.ts")];
}

export interface CommandRun {
  code: number;
  stdout: string;
  stderr: string;
  /** User plus system CPU time of the process. */
  cpuSeconds: number;
  /** Its peak resident memory. */
  peakRssMiB: number;
}

/**
 * Runs `follower-maze args` to completion (killed after `timeoutMs`, if
 * given), under `wrapper` (a command that execs the rest, such as `taskset
 * -c 1`) if given. Asynchronous, so a server in this same process keeps
 * serving while it runs.
 */
export async function runCommand(
  binary: string | undefined,
  args: string[],
  env: Record<string, string> = {},
  timeoutMs?: number,
  wrapper: string[] = [],
): Promise<CommandRun> {
  const child = spawnTracked([...wrapper, ...followerMaze(binary), ...args], {
    cwd: ROOT,
    env: childEnv(env),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    ...(timeoutMs === undefined ? {} : { timeout: timeoutMs }),
  });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  const usage = child.resourceUsage();
  const cpuSeconds = usage ? Number(usage.cpuTime.user + usage.cpuTime.system) / 1e6 : 0;
  return { code, stdout, stderr, cpuSeconds, peakRssMiB: usage ? usage.maxRSS / 2 ** 20 : 0 };
}

/** Runs `follower-maze simulate` against the given ports (under `wrapper`, as runCommand). */
export function runSimulate(
  binary: string | undefined,
  eventPort: number,
  clientPort: number,
  args: string[] = [],
  env: Record<string, string> = {},
  wrapper: string[] = [],
): Promise<CommandRun> {
  const ports = ["--eventListenerPort", String(eventPort), "--clientListenerPort", String(clientPort)];
  return runCommand(binary, ["simulate", ...ports, ...args], env, undefined, wrapper);
}

/**
 * Starts `follower-maze` from source, or the binary at `binary`, with ports
 * 0 (plus `flags`), under `wrapper` (as runCommand), and resolves once it
 * has printed where it listens.
 */
export function startServer(
  binary: string | undefined,
  flags: string[] = [],
  env: Record<string, string> = {},
  wrapper: string[] = [],
): Promise<ServerProcess> {
  return startListening([...wrapper, ...followerMaze(binary), "--event-port", "0", "--client-port", "0", ...flags], env);
}

/**
 * Starts `command`, any Follower Maze server that prints follower-maze's
 * startup line (the benchmarks' compiled baseline does), and resolves once it has.
 */
export async function startListening(command: string[], env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = spawnTracked(command, {
    cwd: ROOT,
    env: childEnv(env),
    stdin: "ignore",
    stdout: "ignore",
    stderr: "pipe",
  });
  let text = "";
  const ports = Promise.withResolvers<NonNullable<ReturnType<typeof listeningPorts>>>();
  (async () => {
    const decoder = new TextDecoder();
    let scanned = 0;
    for await (const chunk of child.stderr) {
      text += decoder.decode(chunk, { stream: true });
      // Only whole lines: a port number cut by a chunk boundary would read as another port.
      for (let end = text.indexOf("\n", scanned); end >= 0; end = text.indexOf("\n", scanned)) {
        const found = listeningPorts(text.slice(scanned, end));
        if (found) ports.resolve(found);
        scanned = end + 1;
      }
    }
    ports.reject(new Error(`server exited before listening:\n${text}`));
  })();
  const { eventPort, clientPort, wsPort, metricsPort } = await ports.promise;

  let peakRss = 0;
  let rss = 0;
  let cpu = 0;
  const sample = () => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
      peakRss = Math.max(peakRss, statusKiB(status, "VmHWM"));
      rss = statusKiB(status, "VmRSS");
      const fields = readFileSync(`/proc/${child.pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
      // utime and stime, in clock ticks of 1/100 s.
      cpu = (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      // The process is gone; keep the last sample.
    }
  };
  return {
    pid: child.pid,
    eventPort,
    clientPort,
    wsPort,
    metricsPort,
    stderr: () => text,
    sample,
    usage: () => ({ peakRssMiB: peakRss / 1024, rssMiB: rss / 1024, cpuSeconds: cpu }),
    stop: (signal = "SIGTERM") => {
      child.kill(signal);
      return child.exited;
    },
    exited: child.exited,
  };
}
