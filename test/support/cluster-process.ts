import { resolve } from "node:path";
import type { Subprocess } from "bun";
import { waitFor } from "./net-harness.ts";
import { spawnTracked } from "./processes.ts";
import { scrape } from "./scrape.ts";
import { childEnv, followerMaze } from "./server-process.ts";

const ROOT = resolve(import.meta.dir, "../..");
/** The cluster tests run the binary when CI built one ($TEST_BINARY), else the source; read at each spawn, since a bench sets it after this module loads. */
function binary(): string | undefined {
  return process.env.TEST_BINARY ? resolve(ROOT, process.env.TEST_BINARY) : undefined;
}

/** Every cluster process still running: a test file's afterAll kills them (and the exit hook, if it never runs). */
const running = new Set<ClusterProcess>();
process.on("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/** Kills every cluster process still running: a test file's afterAll (and afterEach). */
export async function stopClusterProcesses(): Promise<void> {
  await Promise.all([...running].map((child) => child.stop("SIGKILL")));
}

/** `follower-maze sequencer|edge …` as a child process, its stderr recorded and searchable. */
export class ClusterProcess {
  private text = "";
  private readonly waiters: { pattern: RegExp; found: (match: RegExpExecArray) => void }[] = [];
  readonly exited: Promise<number>;

  private constructor(private readonly child: Subprocess<"ignore", "ignore", "pipe">) {
    running.add(this);
    this.exited = child.exited.then((code) => {
      running.delete(this);
      return code;
    });
    (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of child.stderr) {
        this.text += decoder.decode(chunk, { stream: true });
        this.check();
      }
    })();
  }

  static spawn(args: string[], env: Record<string, string> = {}): ClusterProcess {
    const child = spawnTracked([...followerMaze(binary()), ...args], { cwd: ROOT, env: childEnv(env), stdin: "ignore", stdout: "ignore", stderr: "pipe" });
    return new ClusterProcess(child);
  }

  get pid(): number {
    return this.child.pid;
  }

  stderr(): string {
    return this.text;
  }

  /** Lines of stderr matching `pattern`. */
  lines(pattern: RegExp): string[] {
    return this.text.split("\n").filter((line) => pattern.test(line));
  }

  /** Resolves with the first match of `pattern` in stderr, now or later; rejects after `timeoutMs` or if the process exits first. */
  async waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<RegExpExecArray> {
    const now = pattern.exec(this.text);
    if (now) return now;
    const found = Promise.withResolvers<RegExpExecArray>();
    const waiter = { pattern, found: found.resolve };
    this.waiters.push(waiter);
    const timer = setTimeout(() => found.reject(new Error(`no ${pattern} within ${timeoutMs} ms in:\n${this.text}`)), timeoutMs);
    this.exited.then((code) => setTimeout(() => found.reject(new Error(`exited (${code}) without ${pattern}:\n${this.text}`)), 50));
    try {
      return await found.promise;
    } finally {
      clearTimeout(timer);
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
    }
  }

  kill(signal: NodeJS.Signals): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }

  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<number> {
    this.kill(signal);
    return this.exited;
  }

  private check(): void {
    for (const waiter of [...this.waiters]) {
      const match = waiter.pattern.exec(this.text);
      if (match) waiter.found(match);
    }
  }
}

const PORT = /:(\d+)(?: \(TLS\))?/;

export interface SequencerProcess {
  process: ClusterProcess;
  eventPort: number;
  metricsPort: number | null;
}

export interface EdgeProcess {
  process: ClusterProcess;
  clientPort: number;
  /** With --ws-port. */
  wsPort: number | null;
  metricsPort: number | null;
}

function metricsPortIn(line: string): number | null {
  const match = /metrics on http:\/\/\S+:(\d+)/.exec(line);
  return match ? Number(match[1]) : null;
}

/** Resolves once the sequencer holds the lease and listens; `extra` flags after --redis and port 0. */
export async function startSequencer(redisUrl: string, extra: string[] = [], env: Record<string, string> = {}): Promise<SequencerProcess> {
  const child = ClusterProcess.spawn(["sequencer", "--redis", redisUrl, "--event-port", "0", ...extra], env);
  return sequencerListening(child);
}

/** The ports of a sequencer's (next) listening line. */
export async function sequencerListening(child: ClusterProcess, after = 0): Promise<SequencerProcess> {
  for (;;) {
    const lines = child.lines(/sequencer listening: events on/);
    const line = lines[after];
    if (line !== undefined) {
      return { process: child, eventPort: Number(PORT.exec(line.split("events on ")[1] as string)?.[1]), metricsPort: metricsPortIn(line) };
    }
    await child.waitFor(new RegExp(`(?:sequencer listening: events on[^\\n]*\\n[^]*){${after + 1}}`));
  }
}

/** Resolves once the edge has caught up and listens (with a metrics port, for {@link waitForClients}). */
export async function startEdge(redisUrl: string, extra: string[] = [], env: Record<string, string> = {}): Promise<EdgeProcess & { metricsPort: number }> {
  const child = ClusterProcess.spawn(["edge", "--redis", redisUrl, "--client-port", "0", "--metrics-port", "0", ...extra], env);
  const line = (await child.waitFor(/edge listening: clients on [^\n]*/))[0];
  const ws = /websocket clients on wss?:\/\/\S+:(\d+)/.exec(line);
  return {
    process: child,
    clientPort: Number(PORT.exec(line.split("clients on ")[1] as string)?.[1]),
    wsPort: ws ? Number(ws[1]) : null,
    metricsPort: metricsPortIn(line) as number,
  };
}

/** Waits until the server behind `metricsPort` has `count` clients past their handshake: from then on they get every event. */
export async function waitForClients(metricsPort: number, count: number): Promise<void> {
  await waitFor(
    async () => (await scrape(metricsPort))("follower_maze_connected_clients") === count,
    `${count} clients connected on the server with metrics port ${metricsPort}`,
    15_000,
  );
}
