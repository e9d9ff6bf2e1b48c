/**
 * Headless Chromium for browser tests, driven over the DevTools protocol
 * with Bun's own WebSocket client: the system's browser only (Debian's
 * chromium-headless-shell, or chromium), never a downloaded one. Each
 * browser gets a fresh profile directory. The Debian launchers are shell
 * scripts that run the browser without exec, so the browser itself is
 * started when its binary is where Debian puts it; either way it runs in a
 * process group of its own, killed by that group's id when the test closes
 * it or the process exits, and it is tracked like every process a test
 * starts (test/support/processes.ts).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { WAIT_MS, waitFor } from "./net-harness.ts";
import { spawnTracked } from "./processes.ts";

/** Where Debian puts the browsers: `.ci/run` installs the first when neither is there. */
export const BROWSERS = ["/usr/bin/chromium-headless-shell", "/usr/bin/chromium"];

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--remote-debugging-address=127.0.0.1",
  "--remote-debugging-port=0",
];

/** The first browser installed, as the binary its launcher runs when that is there; throws (the test fails) when there is none. */
export function findBrowser(): string {
  const found = BROWSERS.find((path) => existsSync(path));
  if (found === undefined) {
    throw new Error(`no headless browser: none of ${BROWSERS.join(", ")} exists (apt-get install -y chromium-headless-shell, as .ci/run does)`);
  }
  const binary = found.replace("/usr/bin/", "/usr/lib/chromium/");
  return existsSync(binary) ? binary : found;
}

interface Reply {
  id?: number;
  method?: string;
  sessionId?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
}

/** Groups still running, killed when this process exits. */
const running = new Set<number>();
process.on("exit", () => {
  for (const group of running) killGroup(group);
});

function killGroup(group: number): void {
  try {
    process.kill(-group, "SIGKILL");
  } catch {
    // Already gone.
  }
}

/** One page (a DevTools target), reached through the browser's connection with its session id. */
export class Page {
  constructor(
    private readonly browser: Browser,
    readonly sessionId: string,
  ) {}

  /** Evaluates `expression` in the page (awaiting a promise it yields) and returns its value as JSON would carry it. */
  async evaluate<T>(expression: string): Promise<T> {
    const reply = await this.browser.send("Runtime.evaluate", { expression, returnByValue: true, awaitPromise: true }, this.sessionId);
    const details = reply.exceptionDetails as { exception?: { description?: string }; text?: string } | undefined;
    if (details) throw new Error(`page threw: ${details.exception?.description ?? details.text}`);
    return (reply.result as { value: T }).value;
  }

  /** Polls `expression` until it is truthy in the page. */
  async waitFor(expression: string, what: string, timeoutMs = WAIT_MS): Promise<void> {
    await waitFor(async () => Boolean(await this.evaluate(expression)), what, timeoutMs);
  }

  /** A PNG of the viewport. */
  async screenshot(): Promise<Uint8Array> {
    const reply = await this.browser.send("Page.captureScreenshot", { format: "png" }, this.sessionId);
    return Buffer.from(reply.data as string, "base64");
  }

  /** Console messages and uncaught exceptions the page produced. */
  get errors(): string[] {
    return this.browser.pageErrors(this.sessionId);
  }
}

export class Browser {
  private nextId = 1;
  private readonly pending = new Map<number, PromiseWithResolvers<Record<string, unknown>>>();
  private readonly errorsBySession = new Map<string, string[]>();
  private closed = false;

  private constructor(
    private readonly child: Subprocess,
    private readonly profile: string,
    private readonly socket: WebSocket,
  ) {
    socket.addEventListener("message", (event) => this.received(JSON.parse(String(event.data)) as Reply));
    socket.addEventListener("close", () => {
      for (const request of this.pending.values()) request.reject(new Error("the browser closed its DevTools connection"));
      this.pending.clear();
    });
  }

  /** Starts the browser and connects to it; fails loudly when no browser is installed or it does not come up. */
  static async launch(): Promise<Browser> {
    const executable = findBrowser();
    const profile = mkdtempSync(join(tmpdir(), "follower-maze-browser-"));
    let stderr = "";
    const child = spawnTracked([executable, ...FLAGS, `--user-data-dir=${profile}`, "about:blank"], {
      stdin: "ignore",
      stdout: "ignore",
      stderr: "pipe",
      detached: true,
    });
    running.add(child.pid);
    (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of child.stderr) stderr += decoder.decode(chunk, { stream: true });
    })();
    try {
      // Chromium writes the port it picked, then the browser target's path, once it listens.
      const portFile = join(profile, "DevToolsActivePort");
      await waitFor(
        () => existsSync(portFile) && readFileSync(portFile, "utf8").split("\n").length >= 2,
        `${executable} to write DevToolsActivePort`,
        20_000,
        () => `browser stderr:\n${stderr.slice(-2000)}`,
      );
      const [port, path] = readFileSync(portFile, "utf8").split("\n");
      const socket = new WebSocket(`ws://127.0.0.1:${port}${path}`);
      await new Promise<void>((resolve, reject) => {
        socket.addEventListener("open", () => resolve());
        socket.addEventListener("error", () => reject(new Error(`could not open the DevTools connection on port ${port}`)));
      });
      return new Browser(child, profile, socket);
    } catch (error) {
      killGroup(child.pid);
      running.delete(child.pid);
      rmSync(profile, { recursive: true, force: true });
      throw error;
    }
  }

  /** Opens `url` in a new tab of `viewport` CSS pixels and resolves once it has loaded. */
  async open(url: string, viewport = { width: 1280, height: 900 }): Promise<Page> {
    const { targetId } = await this.send("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await this.send("Target.attachToTarget", { targetId, flatten: true });
    const page = new Page(this, sessionId as string);
    this.errorsBySession.set(page.sessionId, []);
    await this.send("Runtime.enable", {}, page.sessionId);
    await this.send("Page.enable", {}, page.sessionId);
    await this.send("Emulation.setDeviceMetricsOverride", { ...viewport, deviceScaleFactor: 1, mobile: false }, page.sessionId);
    await this.send("Page.navigate", { url }, page.sessionId);
    await page.waitFor("document.readyState === 'complete'", `${url} to load`);
    return page;
  }

  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> {
    if (this.closed) return Promise.reject(new Error(`browser closed before ${method}`));
    const id = this.nextId++;
    const reply = Promise.withResolvers<Record<string, unknown>>();
    this.pending.set(id, reply);
    this.socket.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    return reply.promise;
  }

  pageErrors(sessionId: string): string[] {
    return this.errorsBySession.get(sessionId) ?? [];
  }

  /** Kills the browser's whole process group and deletes its profile. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.socket.close();
    killGroup(this.child.pid);
    running.delete(this.child.pid);
    await this.child.exited;
    rmSync(this.profile, { recursive: true, force: true });
  }

  private received(message: Reply): void {
    if (message.id !== undefined) {
      const request = this.pending.get(message.id);
      if (request === undefined) return;
      this.pending.delete(message.id);
      if (message.error) request.reject(new Error(`DevTools: ${message.error.message}`));
      else request.resolve(message.result ?? {});
      return;
    }
    const errors = message.sessionId === undefined ? undefined : this.errorsBySession.get(message.sessionId);
    if (errors === undefined) return;
    if (message.method === "Runtime.exceptionThrown") {
      const details = message.params?.exceptionDetails as { exception?: { description?: string }; text?: string };
      errors.push(details.exception?.description ?? details.text ?? "exception");
    } else if (message.method === "Runtime.consoleAPICalled" && message.params?.type === "error") {
      errors.push(JSON.stringify(message.params.args));
    }
  }
}
