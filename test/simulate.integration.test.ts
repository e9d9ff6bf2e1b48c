/**
 * `follower-maze simulate` over real sockets: it passes against our server,
 * in-process and through the CLI, and fails, saying what and where, against
 * servers broken on purpose.
 */
import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { envName } from "../src/cli/flags.ts";
import { DEFAULT_MIX, SIMULATE_FLAGS } from "../src/cli/simulate-flags.ts";
import { weights } from "../src/cli/values.ts";
import { EVENT_TYPES } from "../src/simulate/event-stream.ts";
import { Prng } from "../src/simulate/prng.ts";
import { BANNER, describeFailure } from "../src/simulate/report.ts";
import { type Progress, planFor, SETTLE_MS, type SimulationOptions, type SimulationResult, simulate } from "../src/simulate/simulation.ts";
import type { WorkloadOptions } from "../src/simulate/workload.ts";
import { HOST, TestServer } from "./support/net-harness.ts";
import { runCommand, runSimulate } from "./support/server-process.ts";
import { type Fault, type ToyOptions, ToyServer } from "./support/toy-server.ts";
import { generateWorkload, TEST_WINDOW, type Workload } from "./support/workload.ts";

setDefaultTimeout(30_000);

const MIX = weights(EVENT_TYPES, 10_000)(DEFAULT_MIX);

/** A run to simulate, with the whole of it in memory to check the results against. */
interface Run extends Workload {
  seed: number;
  options: WorkloadOptions;
}

function workload(events: number, clients = 10, seed = 3, noise = 0): Run {
  const options = { events, users: clients * 10, clients, maxBatch: 100, mix: MIX, degree: 20, noise };
  return { ...generateWorkload(new Prng(seed), options), seed, options };
}

const CONTEXT = { timeoutMs: 5_000, clientSecret: false, sourceSecret: false, clients: 10, barrierClients: 10 };

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function ourServer(config: ConstructorParameters<typeof TestServer>[0] = {}): Promise<TestServer> {
  const server = new TestServer(config);
  cleanup.push(() => server.close());
  return server;
}

function toy(fault: Fault, options: ToyOptions = {}): ToyServer {
  const server = new ToyServer(fault, options);
  cleanup.push(() => server.stop());
  return server;
}

function run(w: Run, ports: { eventPort: number; clientPort: number }, options: Partial<SimulationOptions> = {}): Promise<SimulationResult> {
  return simulate(planFor(w.seed, w.options), {
    host: HOST,
    eventPort: ports.eventPort,
    ports: [ports.clientPort],
    transport: "tcp",
    timeoutMs: 5_000,
    rate: 0,
    threads: 1,
    clientSecret: null,
    sourceSecret: null,
    progressMs: 0,
    ...options,
  });
}

describe("simulate against follower-maze", () => {
  test("verifies every notification of a shuffled stream and measures every one of them", async () => {
    const server = await ourServer();
    const w = workload(20_000, 20);
    const result = await run(w, server.server);
    expect(result.failure).toBeNull();
    expect(result.eventsSent).toBe(20_000);
    // The barrier broadcast's 20 notifications are not timed.
    expect(result.notificationsVerified).toBe(w.notifications - 20);
    expect(result.latency.count).toBe(w.notifications - 20);
    expect(result.seconds).toBeGreaterThan(0);
    expect(server.stats().eventsApplied).toBe(20_000);
  });

  test("stays exact when the stream carries repeats, malformed, junk and oversized lines", async () => {
    const server = await ourServer();
    const w = workload(20_000, 10, 8, 0.1);
    expect((await run(w, server.server)).failure).toBeNull();
    const stats = server.stats();
    expect(stats.duplicates + stats.malformed + stats.oversized).toBeGreaterThan(1_000);
  });

  test("a paced run offers the rate it was asked for", async () => {
    const server = await ourServer();
    const w = workload(2_000, 10);
    const result = await run(w, server.server, { rate: 10_000 });
    expect(result.failure).toBeNull();
    // The last batch may not leave before its first event's turn at 10,000/s, whatever the seed's batch sizes:
    // sent unpaced, the whole run takes a few milliseconds.
    const lastBatchFirst = w.batchFirst[w.batchFirst.length - 2] as number;
    const lastBatchDueSeconds = (lastBatchFirst - 2) / 10_000;
    expect(lastBatchDueSeconds).toBeGreaterThan(0.1);
    expect(result.seconds).toBeGreaterThanOrEqual(lastBatchDueSeconds);
    expect(result.latency.count).toBe(w.notifications - 10);
  });

  test("authenticates to a server that requires client tokens and an AUTH line", async () => {
    const secrets = { clientSecret: "client-secret-0123456789", sourceSecret: "source-secret-0123456789" };
    const server = await ourServer(secrets);
    const w = workload(5_000);
    expect((await run(w, server.server, secrets)).failure).toBeNull();
    expect(server.stats()).toMatchObject({ badTokens: 0, sourcesRejected: 0, eventsApplied: 5_000 });
  });

  test("a wrong client secret: the server closes the clients, and the run says so", async () => {
    const server = await ourServer({ clientSecret: "client-secret-0123456789" });
    const failure = (await run(workload(1_000), server.server, { clientSecret: "another-secret-0123456789" })).failure;
    expect(failure?.kind).toBe("disconnected");
    expect(server.stats().badTokens).toBeGreaterThan(0);
  });

  test("reports progress while it runs, and once more with the final figures, which match the summary's, then stops", async () => {
    const server = await ourServer();
    const w = workload(3_000);
    const reports: Progress[] = [];
    const result = await run(w, server.server, { rate: 20_000, progressMs: 20, onProgress: (p) => reports.push(p) });
    expect(result.failure).toBeNull();
    expect(reports.length).toBeGreaterThan(1);
    const sent = reports.map((p) => p.eventsSent);
    expect(sent).toEqual([...sent].sort((a, b) => a - b));
    expect(reports.at(-1)).toMatchObject({
      eventsSent: 3_000,
      events: 3_000,
      notifications: w.notifications,
      notificationsVerified: w.notifications,
      generated: true,
    });
    expect(result.notifications).toBe(w.notifications);
    // Nothing after the final report, though the run waits a quiet spell for extra lines.
    const count = reports.length;
    await Bun.sleep(100);
    expect(reports.length).toBe(count);
  });

  test("through a window far smaller than the run, wrapped many times, every notification is still verified", async () => {
    for (const threads of [1, 3]) {
      const server = await ourServer();
      const w = workload(30_000, 12, 5, 0.05);
      const result = await run(w, server.server, { threads, window: TEST_WINDOW });
      expect(result.failure).toBeNull();
      expect(result.notificationsVerified).toBe(w.notifications - 12);
      expect(server.stats().eventsApplied).toBe(30_000);
    }
  });
});

describe("simulate against deliberately broken servers", () => {
  test("a plain correct toy server passes, so the failures below are the faults'", async () => {
    const server = toy("none");
    expect((await run(workload(5_000), server)).failure).toBeNull();
  });

  const cases: [Fault, string, RegExp][] = [
    ["no-reordering", "mismatch", /received a wrong line after/],
    ["drop-one", "mismatch", /received a wrong line after/],
    ["extra-line", "mismatch", /received a wrong line after/],
    ["bare-lf", "mismatch", /ends with a bare LF/],
    ["close-client", "disconnected", /was disconnected by the server after/],
  ];
  for (const [fault, kind, message] of cases) {
    test(`${fault}: fails as ${kind}, naming the client, what it expected and what it got`, async () => {
      const w = workload(5_000);
      const result = await run(w, toy(fault));
      const failure = result.failure;
      if (failure === null || failure.kind === "source closed") throw new Error(`expected a client failure, got ${JSON.stringify(failure)}`);
      expect(failure.kind).toBe(kind as typeof failure.kind);
      expect(failure.user).toBe(w.clientUsers[failure.client] as number);
      const report = describeFailure(failure, CONTEXT);
      expect(report).toMatch(message);
      expect(report).toContain(`client ${failure.client} (user ${failure.user})`);
      expect(report).toMatch(/expected: "\d+\|[FUPSB][|\d]*\\r\\n"/);
      if (kind === "mismatch") {
        expect(report).toMatch(/got: {6}"/);
        expect(failure.got).not.toEqual(failure.expected);
      }
    });
  }

  test("a server that registers its clients a while after their ids arrive (a thread per client) still gets every one of them before event 1", async () => {
    const server = toy("none", { registerDelayMs: (n) => (n * SETTLE_MS) / 20 });
    expect((await run(workload(2_000), server)).failure).toBeNull();
  });

  test("clients registered after event 1 fail as stalled, and the report counts who got event 1 and says why", async () => {
    // Every other client is registered long after the barrier broadcast went out.
    const server = toy("none", { registerDelayMs: (n) => (n % 2 === 1 ? 2_000 : 0) });
    const result = await run(workload(2_000), server, { timeoutMs: 400 });
    const failure = result.failure;
    if (failure === null || failure.kind === "source closed") throw new Error(`expected a client failure, got ${JSON.stringify(failure)}`);
    expect(failure.kind).toBe("stalled");
    expect(result.barrierClients).toBe(5);
    const report = describeFailure(failure, { ...CONTEXT, timeoutMs: 400, barrierClients: result.barrierClients });
    expect(report).toContain(
      `hint: 5 of the 10 clients got event 1 and this one did not: the server had not registered it when event 1 came, at least ${SETTLE_MS} ms after`,
    );
  });

  test("WebSocket clients (--transport ws) pass against a correct WebSocket server", async () => {
    const server = toy("none", { webSocket: true });
    const w = workload(5_000);
    const result = await run(w, { eventPort: server.eventPort, clientPort: server.wsPort }, { transport: "ws" });
    expect(result.failure).toBeNull();
    expect(result.notificationsVerified).toBe(w.notifications - 10);
  });

  test("several client ports: clients are spread over them round-robin, and all verified", async () => {
    const server = toy("none", { clientPorts: 2 });
    const w = workload(5_000, 11);
    const result = await run(w, server, { ports: server.clientPorts, threads: 2 });
    expect(result.failure).toBeNull();
    expect(server.registeredAt).toEqual([6, 5]);
  });

  test("extra-line: the extra copy is the line just received correctly", async () => {
    const failure = (await run(workload(5_000), toy("extra-line"))).failure;
    if (failure === null || failure.kind !== "mismatch") throw new Error(`expected a mismatch, got ${JSON.stringify(failure)}`);
    expect(failure.got).toEqual(failure.before.at(-1) as Uint8Array);
  });

  test("go-silent: a client owed notifications that stop coming fails as stalled after the timeout", async () => {
    const result = await run(workload(5_000), toy("go-silent"), { timeoutMs: 300 });
    const failure = result.failure;
    if (failure === null || failure.kind === "source closed") throw new Error(`expected a stall, got ${JSON.stringify(failure)}`);
    expect(failure.kind).toBe("stalled");
    expect(describeFailure(failure, { ...CONTEXT, timeoutMs: 300 })).toMatch(/received nothing for 300 ms while owed notification \d+/);
  });
});

describe("follower-maze simulate, the command", () => {
  test("prints the harness's banner and a summary, exit 0", async () => {
    const server = await ourServer();
    const result = await runSimulate(undefined, server.server.eventPort, server.server.clientPort, ["--totalEvents", "5000", "--concurrencyLevel", "10"]);
    expect(result.code).toBe(0);
    const [banner, summary] = result.stdout.trimEnd().split("\n");
    expect(banner).toBe(BANNER);
    expect(summary).toMatch(
      /^5,000 events, [\d,]+ notifications to 10 clients verified in [\d.]+ s: [\d.,]+( M)? events\/s, [\d.,]+( M)? notifications\/s; latency p50 [\d.]+ ms, p99 [\d.]+ ms, p99\.9 [\d.]+ ms, max [\d.]+ ms$/,
    );
    expect(result.stderr).toContain("10 clients of 100 users connected");
  });

  test("takes the original harness's environment variables", async () => {
    const server = await ourServer();
    const result = await runSimulate(undefined, server.server.eventPort, server.server.clientPort, [], {
      totalEvents: "3000",
      concurrencyLevel: "5",
      logLevel: "warn",
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("3,000 events");
    expect(result.stdout).toContain("to 5 clients");
    expect(result.stderr).toBe("");
  });

  test("a broken server: the report on stdout, exit 1", async () => {
    const server = toy("bare-lf");
    const result = await runSimulate(undefined, server.eventPort, server.clientPort, [
      "--totalEvents",
      "2000",
      "--concurrencyLevel",
      "5",
      "--logLevel",
      "warn",
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^FAILED: client \d+ \(user \d+\) received a wrong line/);
    expect(result.stdout).toContain("bare LF");
  });

  test("no server: one line, exit 2", async () => {
    // A port that was free a moment ago and is closed now.
    const probe = Bun.listen({ hostname: HOST, port: 0, socket: { data() {} } });
    const port = probe.port;
    probe.stop(true);
    const result = await runSimulate(undefined, port, port, ["--totalEvents", "10"]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    // Clients connect before anything is generated, so this is all it prints.
    expect(result.stderr.trimEnd().split("\n")).toEqual([
      expect.stringMatching(new RegExp(`^follower-maze simulate: cannot connect to the client port at 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`)),
    ]);
  });

  test("takes the server's flag names for its ports, and a list of client ports", async () => {
    const server = toy("none", { clientPorts: 2 });
    const args = ["simulate", "--event-port", String(server.eventPort), "--client-port", server.clientPorts.join(","), "--totalEvents", "2000"];
    const result = await runCommand(undefined, [...args, "--concurrencyLevel", "4", "--logLevel", "warn"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(BANNER);
    expect(server.registeredAt).toEqual([2, 2]);
  });

  test("--transport ws through the command", async () => {
    const server = toy("none", { webSocket: true });
    const result = await runSimulate(undefined, server.eventPort, server.wsPort, ["--transport", "ws", "--totalEvents", "2000", "--logLevel", "warn"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(BANNER);
  });

  test("a second run against the same server: nobody gets event 1, and the report says why", async () => {
    const server = await ourServer();
    const args = ["--totalEvents", "500", "--concurrencyLevel", "5", "--logLevel", "warn"];
    expect((await runSimulate(undefined, server.server.eventPort, server.server.clientPort, args)).code).toBe(0);
    const again = await runSimulate(undefined, server.server.eventPort, server.server.clientPort, [...args, "--timeout", "300"]);
    expect(again.code).toBe(1);
    expect(again.stdout).toContain("received nothing for 300 ms while owed notification 1 ");
    expect(again.stdout).toContain("hint: no client got event 1: a server that has already used these sequence numbers");
  });

  test("a server that requires tokens, without --client-secret: the report suggests it", async () => {
    const server = await ourServer({ clientSecret: "client-secret-0123456789" });
    const result = await runSimulate(undefined, server.server.eventPort, server.server.clientPort, ["--totalEvents", "500", "--logLevel", "warn"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("was disconnected by the server after 0 of");
    expect(result.stdout).toContain("hint: a server that requires client tokens closes every client at once: pass its --client-secret");
  });

  test("a host name that does not resolve is named as such, not as a server that is down", async () => {
    const result = await runSimulate(undefined, 1, 1, ["--host", "no-such-host.invalid", "--totalEvents", "10"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("(ENOTFOUND): no such host: check --host");
    expect(result.stderr).not.toContain("is the server running");
  });

  test("bad settings: one line naming the flag or variable, exit 2", async () => {
    for (const [args, env, naming] of [
      [["--totalEvents", "0"], {}, "--totalEvents"],
      [["--mix", "F=1,X=2"], {}, "--mix"],
      [["--client-port", "80,x"], {}, "--client-port"],
      [["--transport", "udp"], {}, "--transport"],
      [[], { randomSeed: "abc" }, "randomSeed"],
      [["--concurrencyLevel", "50", "--numberOfUsers", "10"], {}, "numberOfUsers"],
    ] as [string[], Record<string, string>, string][]) {
      const result = await runSimulate(undefined, 1, 1, args, env);
      expect(result.code).toBe(2);
      expect(result.stderr.trimEnd().split("\n")).toEqual([expect.stringContaining(naming)]);
    }
  });

  test("--help lists every setting with its variable", async () => {
    const result = await runSimulate(undefined, 1, 1, ["--help"]);
    expect(result.code).toBe(0);
    for (const name of Object.keys(SIMULATE_FLAGS)) {
      expect(result.stdout).toContain(`--${name}`);
      expect(result.stdout).toContain(`env ${envName(name, SIMULATE_FLAGS)}`);
      const alias = (SIMULATE_FLAGS as Record<string, { alias?: string }>)[name]?.alias;
      if (alias !== undefined) expect(result.stdout).toContain(`also --${alias}`);
    }
  });
});
