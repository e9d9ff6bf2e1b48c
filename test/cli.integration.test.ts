/**
 * The command line as an operator meets it: `bun src/main.ts` in a child
 * process, its flags, environment, exit statuses, error lines and signals.
 * Servers always listen on ports the OS picks.
 */
import { afterAll, afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClientTokens } from "../src/auth/client-tokens.ts";
import { envName } from "../src/cli/flags.ts";
import { SERVE_FLAGS } from "../src/cli/serve-flags.ts";
import { LOG_LEVELS } from "../src/log/logger.ts";
import { VERSION } from "../src/version.ts";
import { crlf, EventSource, expectStream, HOST, paddedPrivate, UserClient, waitFor } from "./support/net-harness.ts";
import { metricsUrl, scrape } from "./support/scrape.ts";
import { selfSignedCertificate } from "./support/self-signed.ts";
import { runCommand, type ServerProcess, startServer } from "./support/server-process.ts";

// Each test spawns Bun; the harness's own waits (5 s) fail first with a clearer message.
setDefaultTimeout(20_000);

/** Runs the CLI from source to completion (killed after 10 s, should it start serving by mistake). */
async function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await runCommand(undefined, args, env, 10_000);
  return { code, stdout, stderr };
}

/** A one-line error from the CLI, as a user should see it: no stack trace, nothing else. */
function expectOneLineError(result: { stdout: string; stderr: string }, naming: string): void {
  expect(result.stdout).toBe("");
  expect(result.stderr.endsWith("\n")).toBe(true);
  const lines = result.stderr.slice(0, -1).split("\n");
  expect(lines).toEqual([expect.stringContaining(naming)]);
  expect(lines[0].startsWith("follower-maze: ")).toBe(true);
  expect(lines[0]).not.toMatch(/internal error|\bat .*:\d+/);
}

let running: ServerProcess | undefined;

async function start(flags: string[], env: Record<string, string> = {}): Promise<ServerProcess> {
  running = await startServer(undefined, flags, env);
  return running;
}

afterEach(async () => {
  if (running) {
    running.stop("SIGKILL");
    await running.exited;
    running = undefined;
  }
});

/** Connects user `id` and waits for the server's debug line saying it is registered. */
async function connectUser(server: ServerProcess, id: number, options: { paused?: boolean } = {}): Promise<UserClient> {
  const client = await UserClient.connect(server.clientPort, `${id}\r\n`, { ...options, label: `user ${id}` });
  await waitFor(() => server.stderr().includes(`connected as user ${id}\n`), `user ${id} to be registered`, undefined, server.stderr);
  return client;
}

describe("starting and serving", () => {
  test.each([
    ["the default", {}, [], "|"],
    ["the environment over the default", { FOLLOWER_MAZE_DELIMITER: ";" }, [], ";"],
    ["a flag over the environment", { FOLLOWER_MAZE_DELIMITER: ";" }, ["--delimiter", ","], ","],
  ])("announces its ports and takes the delimiter from %s", async (_, env: Record<string, string>, flags: string[], d) => {
    const server = await start(["--log-level", "debug", ...flags], env);
    expect(server.eventPort).toBeGreaterThan(0);
    expect(server.clientPort).toBeGreaterThan(0);
    expect(server.stderr().split("\n")[0]).toBe(
      `follower-maze ${VERSION} listening: events on ${HOST}:${server.eventPort}, clients on ${HOST}:${server.clientPort}`,
    );

    const client = await connectUser(server, 1);
    const source = await EventSource.connect(server.eventPort);
    // Under any other delimiter a line has no readable sequence number and is dropped.
    const lines = [1, 2, 3].flatMap((seq) => ["|", ";", ","].map((other) => `${seq}${other}B`));
    await source.send(crlf(...lines));
    await waitFor(
      () => client.received.endsWith(`3${d}B\r\n`),
      "the last event",
      undefined,
      () => JSON.stringify(client.received),
    );
    expect(client.received).toBe(crlf(`1${d}B`, `2${d}B`, `3${d}B`));
    await source.end();
    expect(await server.stop()).toBe(0);
  });

  test.each([
    ["--metrics-port 0", ["--metrics-port", "0"], {}],
    ["FOLLOWER_MAZE_METRICS_PORT=0", [], { FOLLOWER_MAZE_METRICS_PORT: "0" }],
  ])("%s serves metrics on the port the startup line adds", async (_, flags: string[], env: Record<string, string>) => {
    const server = await start(flags, env);
    const metricsPort = server.metricsPort as number;
    expect(metricsPort).toBeGreaterThan(0);
    expect(server.stderr().split("\n")[0]).toBe(
      `follower-maze ${VERSION} listening: events on ${HOST}:${server.eventPort}, clients on ${HOST}:${server.clientPort}, metrics on http://${HOST}:${metricsPort}`,
    );
    expect((await fetch(metricsUrl(metricsPort, "/readyz"))).status).toBe(200);

    const source = await EventSource.connect(server.eventPort);
    await source.send(crlf("1|B", "3|B"));
    await waitFor(async () => (await scrape(metricsPort))("follower_maze_events_received_total") === 2, "the events in /metrics", undefined, server.stderr);
    const m = await scrape(metricsPort);
    expect([m("follower_maze_events_delivered_total"), m("follower_maze_pending_events"), m("follower_maze_event_sources")]).toEqual([1, 1, 1]);
    await source.end();
    expect(await server.stop()).toBe(0);
  });

  test("a valid flag overrides a bad environment value, and takes effect", async () => {
    const server = await start(["--max-pending", "10", "--metrics-port", "0"], { FOLLOWER_MAZE_MAX_PENDING: "lots" });
    const metricsPort = server.metricsPort as number;
    const gauges = async () => {
      const m = await scrape(metricsPort);
      return [m("follower_maze_pending_events"), m("follower_maze_event_sources_paused")];
    };
    // Event 1 never comes, so everything after it waits: 9 events leave room, the 10th fills --max-pending.
    const source = await EventSource.connect(server.eventPort);
    await source.send(crlf(...[2, 3, 4, 5, 6, 7, 8, 9, 10].map((seq) => `${seq}|B`)));
    await waitFor(async () => (await gauges())[0] === 9, "9 events pending", undefined, server.stderr);
    expect(await gauges()).toEqual([9, 0]);
    await source.send(crlf("11|B"));
    await waitFor(async () => (await gauges())[1] === 1, "the sources to be paused", undefined, server.stderr);
    expect(await gauges()).toEqual([10, 1]);
    await source.end();
    expect(await server.stop()).toBe(0);
  });
});

describe("help and version", () => {
  test.each([["--help"], ["-h"], ["serve --help"]])("%s lists every flag and its environment variable, exit 0", async (command) => {
    const result = await runCli(command.split(" "));
    expect(result).toMatchObject({ code: 0, stderr: "" });
    for (const name of Object.keys(SERVE_FLAGS)) {
      expect(result.stdout).toContain(`--${name} `);
      expect(result.stdout).toContain(envName(name));
    }
    expect(result.stdout).toContain("-h, --help");
    expect(result.stdout).toContain("-V, --version");
  });

  test.each([["--version"], ["-V"]])("%s prints the version, exit 0", async (flag) => {
    expect(await runCli([flag])).toEqual({ code: 0, stdout: `follower-maze ${VERSION}\n`, stderr: "" });
  });
});

describe("usage errors: one line naming the culprit, exit 2", () => {
  test.each<[string[], Record<string, string>, string]>([
    [["--bogus"], {}, "--bogus"],
    [["serve", "--bogus"], {}, "--bogus"],
    [["frobnicate"], {}, "frobnicate"],
    [["serve", "extra"], {}, "extra"],
    [["--max-pending"], {}, "--max-pending"],
    [["--help=yes"], {}, "--help"],
    [["--max-pending", "0"], {}, "--max-pending"],
    [["--event-port", "65536"], {}, "--event-port"],
    [["--client-port", "-1"], {}, "--client-port"],
    [["--gap-timeout=-5"], {}, "--gap-timeout"],
    [["--handshake-timeout", "1.5"], {}, "--handshake-timeout"],
    [["--start-seq", "0"], {}, "--start-seq"],
    [["--delimiter", "ab"], {}, "--delimiter"],
    [["--delimiter", "7"], {}, "--delimiter"],
    [["--log-level", "loud"], {}, "--log-level"],
    [["--host", ""], {}, "--host"],
    [["--max-client-buffer", "12q"], {}, "--max-client-buffer"],
    [["--max-client-buffer", "1024", "--max-line-bytes", "2048"], {}, "--max-client-buffer"],
    [[], { FOLLOWER_MAZE_MAX_PENDING: "lots" }, "FOLLOWER_MAZE_MAX_PENDING"],
    [[], { FOLLOWER_MAZE_EVENT_PORT: "99999" }, "FOLLOWER_MAZE_EVENT_PORT"],
    [[], { FOLLOWER_MAZE_LOG_LEVEL: "chatty" }, "FOLLOWER_MAZE_LOG_LEVEL"],
    [["--metrics-port", "65536"], {}, "--metrics-port"],
    [["--metrics-port", "on"], {}, "--metrics-port"],
    [[], { FOLLOWER_MAZE_METRICS_PORT: "yes" }, "FOLLOWER_MAZE_METRICS_PORT"],
    [["--log-format", "xml"], {}, "--log-format"],
    [[], { FOLLOWER_MAZE_LOG_FORMAT: "yaml" }, "FOLLOWER_MAZE_LOG_FORMAT"],
  ])("%j %j", async (args, env, naming) => {
    const result = await runCli(args, env);
    expect(result.code).toBe(2);
    expectOneLineError(result, naming);
  });
});

describe("edge cases a new user meets", () => {
  test.each([
    [["--max-clients", "-1"], "--max-clients: expected a whole number from 0 to 2147483647, got -1"],
    [["--gap-timeout", "-5"], "--gap-timeout: expected milliseconds from 0 to 2147483647, got -5"],
    [["--stats-interval", "-1"], "--stats-interval: expected milliseconds from 0 to 2147483647, got -1"],
    [["simulate", "--rate", "-5"], "--rate: expected a whole number from 0 to 100000000, got -5"],
  ])("%j: the range, not a missing value", async (args, message) => {
    const result = await runCli(args);
    expect(result.code).toBe(2);
    expectOneLineError(result, message);
  });

  test.each([
    [["--event-port", "5555", "--client-port", "5555"], {}, "--client-port: port 5555 is already given to --event-port"],
    [["--client-port", "5556"], { FOLLOWER_MAZE_METRICS_PORT: "5556" }, "FOLLOWER_MAZE_METRICS_PORT: port 5556 is already given to --client-port"],
  ])("%j %j: two listeners on one port is a usage error, not a port in use", async (args, env, message) => {
    const result = await runCli(args, env);
    expect(result.code).toBe(2);
    expectOneLineError(result, message);
  });

  test("port 0 for every listener is fine", async () => {
    const server = await start(["--metrics-port", "0"]);
    expect(new Set([server.eventPort, server.clientPort, server.metricsPort]).size).toBe(3);
    expect(await server.stop()).toBe(0);
  });

  test("a mistake made in the environment names the variable", async () => {
    const result = await runCli([], { FOLLOWER_MAZE_TLS_CERT: "/x" });
    expect(result.code).toBe(2);
    expectOneLineError(result, "FOLLOWER_MAZE_TLS_CERT: needs --tls-key (or FOLLOWER_MAZE_TLS_KEY) too");
  });

  test.each([[["bogus"]], [["help", "bogus"]]])("%j: the hint points to help that exists", async (args: string[]) => {
    const result = await runCli(args);
    expect(result.code).toBe(2);
    expectOneLineError(result, 'unknown command "bogus"');
    expect(result.stderr).toEndWith("(see follower-maze --help)\n");
  });

  test("a near miss of a command is named", async () => {
    const result = await runCli(["simulat"]);
    expect(result.code).toBe(2);
    expectOneLineError(result, 'unknown command "simulat" (did you mean simulate?)');
  });

  test.each([
    [["help"], ["--help"]],
    [
      ["help", "serve"],
      ["serve", "--help"],
    ],
    [
      ["help", "simulate"],
      ["simulate", "--help"],
    ],
    [
      ["help", "token"],
      ["token", "--help"],
    ],
  ])("%j prints what %j prints, exit 0", async (helpArgs, flagArgs) => {
    const [viaHelp, viaFlag] = await Promise.all([runCli(helpArgs), runCli(flagArgs)]);
    expect(viaHelp).toEqual({ code: 0, stdout: viaFlag.stdout, stderr: "" });
    expect(viaHelp.stdout).toStartWith(`follower-maze ${VERSION}: `);
  });

  test("a misspelled FOLLOWER_MAZE_ variable is a warning naming the closest known one", async () => {
    const server = await start([], { FOLLOWER_MAZE_MAX_CLIENT: "3", FOLLOWER_MAZE_BOGUS: "1" });
    expect(await server.stop()).toBe(0);
    const warnings = server
      .stderr()
      .split("\n")
      .filter((line) => line.includes(" warn "));
    expect(warnings).toEqual([
      expect.stringMatching(/ warn +FOLLOWER_MAZE_BOGUS is not a variable follower-maze reads$/),
      expect.stringMatching(/ warn +FOLLOWER_MAZE_MAX_CLIENT is not a variable follower-maze reads; did you mean FOLLOWER_MAZE_MAX_CLIENTS\?$/),
    ]);
    const simulate = await runCli(["simulate", "--eventListenerPort", "1", "--clientListenerPort", "1", "--timeout", "1000"], {
      FOLLOWER_MAZE_SIMULATE_RATES: "5",
    });
    expect(simulate.stderr).toContain("FOLLOWER_MAZE_SIMULATE_RATES is not a variable follower-maze reads; did you mean FOLLOWER_MAZE_SIMULATE_RATE?");
  });

  test("a variable another command reads is not a misspelling", async () => {
    const server = await start([], { FOLLOWER_MAZE_SIMULATE_RATE: "5" });
    expect(await server.stop()).toBe(0);
    expect(server.stderr()).not.toContain("is not a variable");
  });
});

describe("a port already in use: one line naming it, exit 1", () => {
  test.each([["--event-port"], ["--client-port"], ["--metrics-port"]])("%s", async (flag) => {
    const occupier = Bun.listen({ hostname: HOST, port: 0, socket: { data() {} } });
    try {
      // The last of a repeated flag wins.
      const result = await runCli(["--event-port", "0", "--client-port", "0", flag, String(occupier.port)]);
      expect(result.code).toBe(1);
      expectOneLineError(result, `port ${occupier.port} is already in use`);
    } finally {
      occupier.stop(true);
    }
  });
});

describe("signals", () => {
  test.each([["SIGTERM"], ["SIGINT"]] as const)("%s sent the moment the startup line appears still exits 0", async (signal) => {
    // The startup line is the readiness signal; a handler installed after it once lost this race about one time in ten.
    const codes: number[] = [];
    for (let i = 0; i < 8; i++) codes.push(await (await start([])).stop(signal));
    expect(codes).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  test.each([["SIGTERM"], ["SIGINT"]] as const)("%s stops accepting, flushes what is queued for clients, then exits 0", async (signal) => {
    // Stats every 20 ms: the only outside view of how many bytes the server itself holds.
    const server = await start(["--log-level", "debug", "--stats-interval", "20", "--max-line-bytes", "65536", "--max-client-buffer", "256MiB"]);
    const behind = await connectUser(server, 1, { paused: true });
    const source = await EventSource.connect(server.eventPort);
    const statsAfter = (events: number) => {
      const match = new RegExp(`events in ${events}, .* queued (\\d+) B`).exec(server.stderr());
      return match ? Number(match[1]) : -1;
    };

    // The client does not read, so once the kernel buffers are full the rest waits in the server.
    const sent: string[] = [];
    let queued = 0;
    while (queued === 0) {
      if (sent.length > 1_000) throw new Error(`nothing queued in the server:\n${server.stderr()}`);
      const batch: string[] = [];
      for (let i = 0; i < 16; i++) batch.push(paddedPrivate(sent.length + batch.length + 1, 2, 1, 60_000));
      sent.push(...batch);
      await source.send(crlf(...batch));
      await waitFor(() => statsAfter(sent.length) >= 0, `a stats line after ${sent.length} events`, undefined, server.stderr);
      queued = statsAfter(sent.length);
    }

    const exited = server.stop(signal);
    await waitFor(() => server.stderr().includes(`${signal}: shutting down`), "the shutdown to begin", undefined, server.stderr);
    // The line is logged just before the listener stops, so wait for the refusal itself rather than assume it.
    await waitFor(
      async () => {
        try {
          (await Bun.connect({ hostname: HOST, port: server.clientPort, socket: { data() {} } })).terminate();
          return false;
        } catch {
          return true;
        }
      },
      "the client port to refuse connections",
      undefined,
      server.stderr,
    );

    behind.resume();
    await waitFor(() => behind.closed, "the client to see its connection close", undefined, server.stderr);
    expectStream(behind, crlf(...sent));
    expect(await exited).toBe(0);
    expect(server.stderr()).toMatch(/stopped\. events in \d+, applied \d+/);
    expect(server.stderr()).not.toContain("shutdown deadline passed");
  });
});

describe("security options", () => {
  const dir = mkdtempSync(join(tmpdir(), "follower-maze-cli-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const tls = selfSignedCertificate();
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const cert = file("cert.pem", tls.cert);
  const key = file("key.pem", tls.key);
  const otherKey = file("other-key.pem", selfSignedCertificate().key);
  const CLIENT_SECRET = "client-secret-from-the-environment";
  const SOURCE_SECRET = "source-secret-from-the-environment";

  test.each([
    [[], true, true],
    [["--tls-ports", "events"], true, false],
    [["--tls-ports", "clients"], false, true],
  ])("TLS from --tls-cert and --tls-key %j: marked in the startup line, events in and notifications out", async (ports, events, clients) => {
    const server = await start(["--log-level", "debug", "--tls-cert", cert, "--tls-key", key, ...ports]);
    const mark = (on: boolean) => (on ? " (TLS)" : "");
    expect(server.stderr().split("\n")[0]).toBe(
      `follower-maze ${VERSION} listening: events on ${HOST}:${server.eventPort}${mark(events)}, clients on ${HOST}:${server.clientPort}${mark(clients)}`,
    );
    const client = await UserClient.connect(server.clientPort, "1\r\n", { ca: clients ? tls.cert : undefined });
    await waitFor(() => server.stderr().includes("connected as user 1\n"), "user 1 to be registered", undefined, server.stderr);
    const source = await EventSource.connect(server.eventPort, events ? tls.cert : undefined);
    await source.send(crlf("2|B", "1|P|5|1"));
    await waitFor(
      () => client.received === crlf("1|P|5|1", "2|B"),
      "both events",
      undefined,
      () => JSON.stringify(client.received),
    );
    await source.end();
    expect(await server.stop()).toBe(0);
  });

  test("`token` prints the token the server, given the same secret, admits", async () => {
    const env = { FOLLOWER_MAZE_CLIENT_SECRET: CLIENT_SECRET };
    const printed = await runCli(["token", "42"], env);
    expect(printed).toEqual({ code: 0, stdout: `${new ClientTokens(CLIENT_SECRET).token(42)}\n`, stderr: "" });
    expect((await runCli(["token", "--client-secret", CLIENT_SECRET, "42"])).stdout).toBe(printed.stdout);

    const server = await start(["--log-level", "debug"], env);
    const stranger = await UserClient.connect(server.clientPort, `43 ${printed.stdout}`);
    await waitFor(() => stranger.closed, "the client with user 42's token to be closed", undefined, server.stderr);
    expect(server.stderr()).toContain("disconnected: bad token: wrong token for user 43");
    const client = await UserClient.connect(server.clientPort, `42 ${printed.stdout}`);
    await waitFor(() => server.stderr().includes("connected as user 42\n"), "user 42 to be registered", undefined, server.stderr);
    const source = await EventSource.connect(server.eventPort);
    await source.send(crlf("1|P|5|42"));
    await waitFor(
      () => client.received === crlf("1|P|5|42"),
      "the message",
      undefined,
      () => JSON.stringify(client.received),
    );
    await source.end();
    expect(await server.stop()).toBe(0);
  });

  test("an event source must authenticate with the secret from the environment", async () => {
    const server = await start(["--log-level", "debug"], { FOLLOWER_MAZE_SOURCE_SECRET: SOURCE_SECRET });
    const client = await connectUser(server, 1);
    const intruder = await EventSource.connect(server.eventPort);
    await intruder.send(crlf("1|P|5|1")).catch(() => {});
    await waitFor(() => intruder.closed, "the unauthenticated source to be closed", undefined, server.stderr);
    expect(server.stderr()).toContain("disconnected: not authenticated: first line is not AUTH with the source secret");
    const source = await EventSource.connect(server.eventPort);
    await source.send(crlf(`AUTH ${SOURCE_SECRET}`, "1|B"));
    await waitFor(
      () => client.received === crlf("1|B"),
      "the broadcast",
      undefined,
      () => JSON.stringify(client.received),
    );
    await source.end();
    expect(await server.stop()).toBe(0);
    expect(server.stderr()).not.toContain(SOURCE_SECRET);
  });

  test("--max-clients refuses a connection over the limit", async () => {
    const server = await start(["--log-level", "debug", "--max-clients", "1"]);
    await connectUser(server, 1);
    const refused = await UserClient.connect(server.clientPort, "2\r\n");
    await waitFor(() => refused.closed, "the second connection to be closed", undefined, server.stderr);
    expect(server.stderr()).toContain("refused: 1 client connections already open (--max-clients)");
    expect(await server.stop()).toBe(0);
    expect(server.stderr()).toMatch(/stopped\. .*refused clients 1,/);
  });

  test.each<[string[], Record<string, string>, string]>([
    [["--tls-cert", "cert.pem"], {}, "--tls-cert"],
    [["--tls-key", "key.pem"], {}, "--tls-key"],
    [["--tls-ports", "events"], {}, "--tls-ports"],
    [["--tls-ports", "both"], {}, "--tls-ports"],
    [["--client-secret", "too-short"], {}, "--client-secret"],
    [[], { FOLLOWER_MAZE_SOURCE_SECRET: "too-short" }, "FOLLOWER_MAZE_SOURCE_SECRET"],
    [["--client-secret", CLIENT_SECRET, "--source-secret", CLIENT_SECRET], {}, "--source-secret"],
    [["--max-line-bytes", "64"], { FOLLOWER_MAZE_CLIENT_SECRET: CLIENT_SECRET }, "--max-line-bytes"],
    [["--max-clients", "-1"], {}, "--max-clients"],
    [["token"], { FOLLOWER_MAZE_CLIENT_SECRET: CLIENT_SECRET }, "token: expected a user id"],
    [["token", "42"], {}, "FOLLOWER_MAZE_CLIENT_SECRET"],
    [["token", "x"], { FOLLOWER_MAZE_CLIENT_SECRET: CLIENT_SECRET }, "token: expected a user id"],
    [["token", "2147483648"], { FOLLOWER_MAZE_CLIENT_SECRET: CLIENT_SECRET }, "token: expected a user id"],
    [["token", "1", "2"], { FOLLOWER_MAZE_CLIENT_SECRET: CLIENT_SECRET }, "token: unexpected argument"],
    [["token", "--event-port", "1", "42"], { FOLLOWER_MAZE_CLIENT_SECRET: CLIENT_SECRET }, "--event-port"],
  ])("%j %j: one line, exit 2, no secret echoed", async (args, env, naming) => {
    const result = await runCli(args, env);
    expect(result.code).toBe(2);
    expectOneLineError(result, naming);
    expect(result.stderr).not.toContain("too-short");
  });

  test.each([
    ["a missing certificate", () => [join(dir, "missing.pem"), key], `--tls-cert ${join(dir, "missing.pem")}: cannot read it (no such file)`],
    ["a key that is not PEM", () => [cert, cert], `--tls-key ${cert}: not an unencrypted PEM private key`],
    ["another certificate's key", () => [cert, otherKey], `--tls-key ${otherKey}: not the key of the certificate in ${cert}`],
  ])("%s: one line naming the file, exit 1", async (_, files, message) => {
    const [certFile, keyFile] = files();
    const result = await runCli(["--event-port", "0", "--client-port", "0", "--tls-cert", certFile, "--tls-key", keyFile]);
    expect(result).toEqual({ code: 1, stdout: "", stderr: `follower-maze: ${message}\n` });
  });
});

describe("--log-format json", () => {
  /** Every line of `stderr` as an object, after checking it is exactly {time, level, msg}. */
  function jsonLines(stderr: string): { time: string; level: string; msg: string }[] {
    expect(stderr.endsWith("\n")).toBe(true);
    return stderr
      .slice(0, -1)
      .split("\n")
      .map((line) => {
        const entry = JSON.parse(line);
        expect(Object.keys(entry)).toEqual(["time", "level", "msg"]);
        expect(entry.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        expect(LOG_LEVELS).toContain(entry.level);
        return entry;
      });
  }

  test("every line on stderr is one JSON object, from the startup line to the last shutdown line", async () => {
    const server = await start(["--log-format", "json", "--log-level", "debug", "--metrics-port", "0"]);
    const client = await UserClient.connect(server.clientPort, "1\r\n");
    const source = await EventSource.connect(server.eventPort);
    await source.send(crlf("1|B"));
    await waitFor(() => client.received === crlf("1|B"), "the event", undefined, server.stderr);
    await source.end();
    expect(await server.stop()).toBe(0);

    const entries = jsonLines(server.stderr());
    expect(entries[0]).toMatchObject({
      level: "info",
      msg: `follower-maze ${VERSION} listening: events on ${HOST}:${server.eventPort}, clients on ${HOST}:${server.clientPort}, metrics on http://${HOST}:${server.metricsPort}`,
    });
    const messages = entries.map((entry) => `${entry.level} ${entry.msg}`);
    expect(messages).toContainEqual(expect.stringMatching(/^debug client \S+ connected as user 1$/));
    expect(messages).toContainEqual(expect.stringMatching(/^info event source connected from \S+$/));
    expect(messages).toContainEqual(expect.stringMatching(/^info SIGTERM: shutting down/));
    expect(messages.at(-1)).toMatch(/^info stopped\. events in 1, applied 1, /);
  });

  test("a port in use is one JSON line at level error, exit 1", async () => {
    const occupier = Bun.listen({ hostname: HOST, port: 0, socket: { data() {} } });
    try {
      const result = await runCli(["--log-format", "json", "--event-port", "0", "--client-port", "0", "--metrics-port", String(occupier.port)]);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe("");
      expect(jsonLines(result.stderr)).toEqual([
        { time: expect.any(String), level: "error", msg: `follower-maze: metrics port ${occupier.port} is already in use (${HOST}:${occupier.port})` },
      ]);
    } finally {
      occupier.stop(true);
    }
  });
});
