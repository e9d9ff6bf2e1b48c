import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { spawnTracked } from "./processes.ts";
import type { SelfSigned } from "./self-signed.ts";

/** Debian's package; CI installs it (.ci/run), so its absence is a broken machine, not a reason to skip. */
export const REDIS_SERVER = "/usr/bin/redis-server";

export interface RedisServerOptions {
  /** Turn on the append-only file (appendfsync always), for tests about persistence. */
  appendonly?: boolean;
  /** `requirepass`: clients must AUTH with it. */
  password?: string;
  /**
   * Serve TLS only (`--port 0 --tls-port`), presenting this certificate; no
   * client certificates asked for. The URL is then rediss://.
   */
  tls?: SelfSigned;
  /**
   * With `tls`, Redis's own default `tls-auth-clients yes`: a client without a
   * certificate gets an alert once its handshake is done, and that alert is
   * what readiness waits for.
   */
  clientCertificates?: boolean;
  /** More `--name value` settings, e.g. a small stream-node-max-entries so that `XTRIM ~` trims at once. */
  settings?: string[];
}

/** Every instance not yet destroyed, so a test that ends abruptly still kills its Redis. */
const instances = new Set<RedisServer>();
let hooked = false;

function hookCleanup(): void {
  if (hooked) return;
  hooked = true;
  process.on("exit", () => {
    for (const server of instances) {
      server.kill();
      rmSync(server.dir, { recursive: true, force: true });
    }
  });
}

/** Kills every instance still running and removes their directories: a test file's afterAll. */
export async function stopRedisServers(): Promise<void> {
  await Promise.all([...instances].map((server) => server.destroy()));
}

/** A port nobody listens on right now (the OS picks it; Redis takes it a moment later). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("could not find a free port");
  return address.port;
}

/**
 * A private redis-server on 127.0.0.1 in a temporary directory: no snapshot
 * file, no AOF unless asked for, no system service involved. Stopped by its
 * PID; restarted on the same port and directory, so an AOF survives.
 */
export class RedisServer {
  private child: Subprocess | null = null;
  private log = "";

  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly options: RedisServerOptions,
  ) {}

  /**
   * Starts one; it dies with the process whatever happens (an exit hook), and
   * a test file ends them with `afterAll(stopRedisServers)`.
   */
  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    if (!existsSync(REDIS_SERVER)) throw new Error(`${REDIS_SERVER} is missing: install Debian's redis-server package (apt-get install -y redis-server)`);
    hookCleanup();
    const dir = mkdtempSync(join(tmpdir(), "fm-redis-"));
    let port = 0;
    for (let attempt = 0; ; attempt++) {
      port = await freePort();
      const server = new RedisServer(port, dir, options);
      try {
        await server.launch();
        return server;
      } catch (error) {
        server.kill();
        // Another process may have taken the port between the probe and Redis binding it.
        if (attempt >= 3) {
          rmSync(dir, { recursive: true, force: true });
          throw error;
        }
      }
    }
  }

  get url(): string {
    return `${this.options.tls ? "rediss" : "redis"}://127.0.0.1:${this.port}`;
  }

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  /** What redis-server printed, for a failing test's message. */
  output(): string {
    return this.log;
  }

  private async launch(): Promise<void> {
    const args = [
      REDIS_SERVER,
      ...this.portSettings(),
      "--bind",
      "127.0.0.1",
      "--dir",
      this.dir,
      "--save",
      "",
      "--appendonly",
      this.options.appendonly ? "yes" : "no",
      "--appendfsync",
      "always",
      "--daemonize",
      "no",
      "--protected-mode",
      "no",
      ...(this.options.password === undefined ? [] : ["--requirepass", this.options.password]),
      ...(this.options.settings ?? []),
    ];
    const child = spawnTracked(args, { cwd: this.dir, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    this.child = child;
    instances.add(this);
    (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of child.stdout as ReadableStream<Uint8Array>) this.log += decoder.decode(chunk, { stream: true });
    })();
    await this.waitUntilReady(child);
  }

  /** The port as plain TCP, or, with a certificate, as TLS only (the files go in its directory). */
  private portSettings(): string[] {
    const tls = this.options.tls;
    if (tls === undefined) return ["--port", String(this.port)];
    const cert = join(this.dir, "redis-cert.pem");
    const key = join(this.dir, "redis-key.pem");
    writeFileSync(cert, tls.cert);
    writeFileSync(key, tls.key, { mode: 0o600 });
    // Redis will not start TLS without a CA file, though with tls-auth-clients off it never uses it.
    return [
      "--port",
      "0",
      "--tls-port",
      String(this.port),
      "--tls-cert-file",
      cert,
      "--tls-key-file",
      key,
      "--tls-ca-cert-file",
      cert,
      "--tls-auth-clients",
      this.options.clientCertificates ? "yes" : "no",
    ];
  }

  /**
   * Ready means a PING gets an answer (or, with a password, the NOAUTH
   * refusal; wanting client certificates, the alert), not just an open port.
   */
  private async waitUntilReady(child: Subprocess): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`redis-server exited while starting:\n${this.log}`);
      if (await this.answersPing()) return;
      await Bun.sleep(20);
    }
    throw new Error(`redis-server did not answer within 10 s:\n${this.log}`);
  }

  private async answersPing(): Promise<boolean> {
    try {
      const reply = Promise.withResolvers<boolean>();
      let handshaken = false;
      const ping = (s: { write(data: string): number }) => {
        handshaken = true;
        s.write("PING\r\n");
      };
      const socket = await Bun.connect({
        hostname: "127.0.0.1",
        port: this.port,
        // Whether the certificate is trusted is the test's business, not readiness's.
        tls: this.options.tls ? { rejectUnauthorized: false } : false,
        socket: {
          // Over TLS a write before the handshake is done takes nothing.
          open: this.options.tls ? undefined : ping,
          handshake: this.options.tls ? ping : undefined,
          data: (s, chunk) => {
            const text = chunk.toString();
            // "-LOADING" while an AOF is replayed: not ready yet.
            reply.resolve(text.startsWith("+PONG") || text.startsWith("-NOAUTH"));
            s.end();
          },
          close: () => reply.resolve(false),
          // Wanting a certificate, Redis answers the PING with an alert.
          error: () => reply.resolve(handshaken && this.options.clientCertificates === true),
        },
      });
      const timer = setTimeout(() => {
        reply.resolve(false);
        socket.end();
      }, 1_000);
      const ok = await reply.promise;
      clearTimeout(timer);
      return ok;
    } catch {
      return false;
    }
  }

  /** SIGKILL, at once: the fault a crash is. */
  kill(): void {
    if (this.child !== null && this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }

  /** Stops it and waits until it is gone (SIGTERM lets it finish writing the AOF). */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    const child = this.child;
    if (child === null) return;
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await child.exited;
    this.child = null;
  }

  /** Starts it again on the same port and directory (with AOF on, its data comes back). */
  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  /** Stops it and removes its directory. */
  async destroy(): Promise<void> {
    this.kill();
    if (this.child !== null) await this.child.exited;
    this.child = null;
    instances.delete(this);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
