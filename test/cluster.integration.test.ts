/**
 * Cluster mode over real processes and a real redis-server: a sequencer,
 * edges, clients and sources on ephemeral ports. Every fault of README
 * "Running a cluster" (failure modes) is provoked here and its outcome
 * checked byte for byte against the reference model; README "Running a
 * cluster" (TLS to Redis) is checked against a redis-server serving TLS.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClientTokens } from "../src/auth/client-tokens.ts";
import {
  ClusterProcess,
  type EdgeProcess,
  sequencerListening,
  startEdge,
  startSequencer,
  stopClusterProcesses,
  waitForClients,
} from "./support/cluster-process.ts";
import { crlf, EventSource, expectStream, paddedPrivate, UserClient, waitFor } from "./support/net-harness.ts";
import { RedisServer, stopRedisServers } from "./support/redis-server.ts";
import { ReferenceModel } from "./support/reference-model.ts";
import { metricsUrl } from "./support/scrape.ts";
import { certificateAuthority, type SelfSigned, selfSignedCertificate } from "./support/self-signed.ts";
import { runCommand } from "./support/server-process.ts";
import { WsUserClient } from "./support/ws-client.ts";

afterEach(stopClusterProcesses);
afterAll(stopRedisServers);

const SLOW_MS = 20_000;
/** Each test starts several processes; a sequencer taking over waits out a lease (3 s). */
const TEST_TIMEOUT_MS = 60_000;
const USERS = 12;

/** A deterministic mix of every event kind over users 1…USERS, numbered `from`…`to`. */
function events(from: number, to: number): string[] {
  const lines: string[] = [];
  for (let seq = from; seq <= to; seq++) {
    const a = 1 + ((seq * 7) % USERS);
    const b = 1 + ((seq * 5 + 3) % USERS);
    const pick = seq % 10;
    if (pick < 4) lines.push(`${seq}|F|${a}|${b}`);
    else if (pick < 5) lines.push(`${seq}|U|${a}|${b}`);
    else if (pick < 8) lines.push(`${seq}|S|${a}`);
    else if (pick < 9) lines.push(`${seq}|P|${a}|${b}`);
    else lines.push(`${seq}|B`);
  }
  return lines;
}

/** Connects user 1…USERS to `port`; each sends its id. */
async function connectUsers(edge: EdgeProcess & { metricsPort: number }, prefix = ""): Promise<UserClient[]> {
  const clients = await Promise.all(
    Array.from({ length: USERS }, (_, i) => UserClient.connect(edge.clientPort, `${i + 1}\r\n`, { label: `${prefix}user ${i + 1}` })),
  );
  await waitForClients(edge.metricsPort, USERS);
  return clients;
}

/** What a server sends each user, connected after `before` was applied, for `after`. */
function expected(before: string[], after: string[], maxLineBytes = 1024): string[] {
  const model = new ReferenceModel({ delimiter: "|", startSeq: 1, maxLineBytes });
  model.push(crlf(...before));
  const ids = Array.from({ length: USERS }, (_, i) => model.connect(i + 1));
  model.push(crlf(...after));
  return ids.map((id) => model.expectedBytes(id));
}

async function expectDelivered(clients: UserClient[], streams: string[]): Promise<void> {
  await waitFor(
    () => clients.every((client, i) => client.received.length >= (streams[i] as string).length),
    "every client to receive its stream",
    SLOW_MS,
    () => clients.map((client, i) => `${client.label}: ${client.received.length}/${streams[i]?.length}`).join(", "),
  );
  // Anything more would be a duplicate: give it a moment to show up.
  await Bun.sleep(100);
  for (const [i, client] of clients.entries()) expectStream(client, streams[i] as string);
}

async function send(port: number, lines: string[]): Promise<void> {
  const source = await EventSource.connect(port);
  await source.send(crlf(...lines));
  await source.end();
}

async function readyz(port: number | null): Promise<number> {
  return (await fetch(metricsUrl(port as number, "/readyz"))).status;
}

async function metric(port: number | null, name: string): Promise<number> {
  const page = await (await fetch(metricsUrl(port as number))).text();
  const line = page.split("\n").find((row) => row.startsWith(`${name} `));
  return line === undefined ? Number.NaN : Number(line.split(" ")[1]);
}

describe("cluster: sequencer + edges", () => {
  test(
    "events reach the clients of every edge exactly as serve would send them",
    async () => {
      const redis = await RedisServer.start();
      const sequencer = await startSequencer(redis.url);
      const edges = await Promise.all([startEdge(redis.url), startEdge(redis.url)]);
      const clients = await Promise.all(edges.map((edge, i) => connectUsers(edge, `edge ${i} `)));
      const all = events(1, 2_000);
      await send(sequencer.eventPort, all);
      const streams = expected([], all);
      for (const group of clients) await expectDelivered(group, streams);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "an edge killed (SIGKILL) and restarted rebuilds; reconnected users get what serve sends after a handshake, follows included",
    async () => {
      const redis = await RedisServer.start();
      const sequencer = await startSequencer(redis.url, ["--snapshot-every", "1000"]);
      let edge = await startEdge(redis.url);
      const before = events(1, 2_500);
      await send(sequencer.eventPort, before);
      edge.process.kill("SIGKILL");
      await edge.process.exited;
      edge = await startEdge(redis.url);
      await waitFor(async () => (await metric(edge.metricsPort, "follower_maze_edge_applied_sequence_number")) === 2_500, "the edge to catch up", SLOW_MS);
      const clients = await connectUsers(edge);
      const after = events(2_501, 3_000);
      await send(sequencer.eventPort, after);
      await expectDelivered(clients, expected(before, after));
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "--ws-port: WebSocket clients of an edge get what its TCP clients of the same users get; a rebuild closes the port and reopens it, slots freed",
    async () => {
      const redis = await RedisServer.start();
      const sequencer = await startSequencer(redis.url);
      // Room for one TCP and one WebSocket connection per user, so a slot not given back by the rebuild would refuse a client.
      const edge = await startEdge(redis.url, ["--ws-port", "0", "--max-clients", String(2 * USERS)]);
      expect(edge.process.stderr()).toMatch(/edge listening: clients on 127\.0\.0\.1:\d+, websocket clients on ws:\/\/127\.0\.0\.1:\d+, metrics on/);
      const wsPort = edge.wsPort as number;
      const connectWs = (prefix: string) =>
        Promise.all(Array.from({ length: USERS }, (_, i) => WsUserClient.connect(wsPort, `${i + 1}`, { label: `${prefix}ws user ${i + 1}` })));
      const tcp = await connectUsers(edge);
      const ws = await connectWs("");
      await waitForClients(edge.metricsPort, 2 * USERS);
      const all = events(1, 2_000);
      await send(sequencer.eventPort, all);
      const streams = expected([], all);
      await expectDelivered(tcp, streams);
      await waitFor(
        () => ws.every((client, i) => client.asStream.length >= (streams[i] as string).length),
        "every WebSocket client to receive its stream",
        SLOW_MS,
      );
      for (const [i, client] of ws.entries()) {
        expect(client.asStream).toBe((tcp[i] as UserClient).received);
        expect(client.binaryMessages).toBe(0);
      }

      expect(await runRedis(redis, ["FLUSHALL"])).toContain("OK");
      await waitFor(() => ws.every((client) => client.closeCode !== null) && tcp.every((client) => client.closed), "the edge to drop every client", SLOW_MS);
      const again = await sequencerListening(sequencer.process, 1);
      await edge.process.waitFor(/clients welcome again on port \d+ and \d+ \(WebSocket\)/, SLOW_MS);
      const freshTcp = await connectUsers(edge, "again ");
      const fresh = await connectWs("again ");
      await waitForClients(edge.metricsPort, 2 * USERS);
      const next = events(1, 300);
      await send(again.eventPort, next);
      await expectDelivered(freshTcp, expected([], next));
      await waitFor(
        () => fresh.every((client, i) => client.asStream === (freshTcp[i] as UserClient).received),
        "the reconnected WebSocket clients to match",
        SLOW_MS,
      );
      expect(await metric(edge.metricsPort, "follower_maze_clients_refused_total")).toBe(0);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "a sequencer killed (SIGKILL) and restarted continues after the stream's top; a source resending from 1 has the stored part dropped",
    async () => {
      const redis = await RedisServer.start();
      let sequencer = await startSequencer(redis.url, ["--metrics-port", "0"]);
      const edge = await startEdge(redis.url);
      const clients = await connectUsers(edge);
      const all = events(1, 3_000);
      await send(sequencer.eventPort, all.slice(0, 1_800));
      await waitFor(async () => (await metric(sequencer.metricsPort, "follower_maze_stream_last_sequence_number")) === 1_800, "1800 stored", SLOW_MS);
      sequencer.process.kill("SIGKILL");
      await sequencer.process.exited;
      sequencer = await startSequencer(redis.url, ["--metrics-port", "0"]);
      expect(sequencer.process.stderr()).toContain("the stream ends at 1800, next sequence number 1801");
      await send(sequencer.eventPort, all);
      await expectDelivered(clients, expected([], all));
      expect(await metric(sequencer.metricsPort, 'follower_maze_events_dropped_total{reason="duplicate"}')).toBe(1_800);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "a standby waits without listening and takes over when the sequencer dies",
    async () => {
      const redis = await RedisServer.start();
      const first = await startSequencer(redis.url);
      const standby = startSequencer(redis.url);
      const edge = await startEdge(redis.url);
      const clients = await connectUsers(edge);
      const all = events(1, 1_000);
      await send(first.eventPort, all.slice(0, 600));
      await waitFor(async () => (await metric(edge.metricsPort, "follower_maze_edge_applied_sequence_number")) === 600, "600 applied", SLOW_MS);
      first.process.kill("SIGKILL");
      const second = await standby;
      expect(second.process.stderr()).toMatch(/standby: another sequencer holds follower-maze:sequencer/);
      await send(second.eventPort, all);
      await expectDelivered(clients, expected([], all));
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "Redis flushed: the epoch changes, edges drop their clients, rebuild and say so",
    async () => {
      const redis = await RedisServer.start();
      const sequencer = await startSequencer(redis.url);
      const edge = await startEdge(redis.url);
      const clients = await connectUsers(edge);
      await send(sequencer.eventPort, events(1, 100));
      await waitFor(() => clients.some((client) => client.received.includes("100|") || client.received.includes("99|")), "the first events delivered", SLOW_MS);
      const flusher = await runRedis(redis, ["FLUSHALL"]);
      expect(flusher).toContain("OK");
      await waitFor(() => clients.every((client) => client.closed), "the edge to disconnect its clients", SLOW_MS);
      await edge.process.waitFor(/rebuilding the follower graph: .*(gone|epoch changed)/, SLOW_MS);
      // The sequencer lost its lease with the flush, takes it again and starts a new epoch from the beginning.
      const again = await sequencerListening(sequencer.process, 1);
      await edge.process.waitFor(/clients welcome again/, SLOW_MS);
      const fresh = await connectUsers(edge, "again ");
      const all = events(1, 500);
      await send(again.eventPort, all);
      await expectDelivered(fresh, expected([], all));
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "Redis restarted (AOF on): the sequencer holds back its sources, edges keep clients and report not ready; both resume",
    async () => {
      const redis = await RedisServer.start({ appendonly: true });
      const sequencer = await startSequencer(redis.url, ["--metrics-port", "0", "--max-pending", "1000"]);
      const edge = await startEdge(redis.url);
      const clients = await connectUsers(edge);
      const all = events(1, 20_000);
      await send(sequencer.eventPort, all.slice(0, 500));
      await waitFor(async () => (await metric(edge.metricsPort, "follower_maze_edge_applied_sequence_number")) === 500, "500 applied", SLOW_MS);
      expect(await readyz(edge.metricsPort)).toBe(200);
      redis.kill();
      await waitFor(async () => (await readyz(edge.metricsPort)) === 503, "the edge to report not ready", SLOW_MS);
      const source = await EventSource.connect(sequencer.eventPort);
      const sent = source.send(crlf(...all.slice(500)));
      await waitFor(async () => (await metric(sequencer.metricsPort, "follower_maze_event_sources_paused")) === 1, "the sources to be paused", SLOW_MS);
      expect(clients.every((client) => !client.closed)).toBe(true);
      await redis.restart();
      await sent;
      await source.end();
      await expectDelivered(clients, expected([], all));
      expect(await readyz(edge.metricsPort)).toBe(200);
      expect(sequencer.process.lines(/connection lost/)).toHaveLength(1);
      expect(sequencer.process.lines(/cannot append to Redis/)).toHaveLength(1);
      expect(edge.process.lines(/not ready: lost Redis/).length).toBeLessThanOrEqual(1);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "a stalled edge (SIGSTOP) resumed after the stream was trimmed past it rebuilds instead of skipping",
    async () => {
      const redis = await RedisServer.start({ settings: ["--stream-node-max-entries", "1"] });
      const sequencer = await startSequencer(redis.url, ["--snapshot-every", "1000"]);
      const edge = await startEdge(redis.url);
      const clients = await connectUsers(edge);
      await send(sequencer.eventPort, events(1, 200));
      await waitFor(async () => (await metric(edge.metricsPort, "follower_maze_edge_applied_sequence_number")) === 200, "200 applied", SLOW_MS);
      edge.process.kill("SIGSTOP");
      try {
        // Separate reads, so several snapshots are taken and the stream is trimmed past 1000.
        for (let from = 201; from <= 5_000; from += 400) await send(sequencer.eventPort, events(from, from + 399));
        await sequencer.process.waitFor(/snapshot of the follower graph at [2-9]\d\d\d /, SLOW_MS);
      } finally {
        edge.process.kill("SIGCONT");
      }
      await edge.process.waitFor(/rebuilding the follower graph: the stream continues at \d+, not \d+: what came between was trimmed/, SLOW_MS);
      await waitFor(() => clients.every((client) => client.closed), "the edge to drop its clients", SLOW_MS);
    },
    TEST_TIMEOUT_MS,
  );
});

describe("cluster: readiness and isolation", () => {
  test(
    "an edge with nothing to follow yet is up but not ready, and says why; clusters with other --stream names do not meet",
    async () => {
      const redis = await RedisServer.start();
      const waiting = ClusterProcess.spawn(["edge", "--redis", redis.url, "--client-port", "0", "--metrics-port", "0", "--stream", "blue"]);
      const metricsPort = Number((await waiting.waitFor(/edge started: .*metrics on http:\/\/\S+:(\d+)/))[1]);
      await waiting.waitFor(/waiting for a sequencer to create blue:meta and blue:snapshot/);
      const response = await fetch(metricsUrl(metricsPort, "/readyz"));
      expect(response.status).toBe(503);
      expect(await response.text()).toBe("catching up with the stream\n");
      expect(waiting.stderr()).not.toContain("edge listening");
      const red = await startSequencer(redis.url, ["--stream", "red"]);
      const blue = await startSequencer(redis.url, ["--stream", "blue"]);
      expect(red.process.stderr()).not.toContain("standby");
      expect(blue.process.stderr()).not.toContain("standby");
      await waiting.waitFor(/edge listening: clients on/);
      await waitFor(async () => (await readyz(metricsPort)) === 200, "the edge to be ready", SLOW_MS);
    },
    TEST_TIMEOUT_MS,
  );
});

describe("cluster: serve's rules per role", () => {
  test(
    "a line the sequencer accepts under its --max-line-bytes reaches clients whatever the edge's own --max-line-bytes",
    async () => {
      const redis = await RedisServer.start();
      const sequencer = await startSequencer(redis.url, ["--max-line-bytes", "4000"]);
      const edge = await startEdge(redis.url);
      const clients = await connectUsers(edge);
      const long = paddedPrivate(1, 2, 3, 3_000);
      const lines = [long, "2|B"];
      await send(sequencer.eventPort, lines);
      await expectDelivered(clients, expected([], lines, 4_000));
      expect((clients[2] as UserClient).received).toContain(long);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "--source-secret and TLS on the sequencer, --client-secret and TLS on the edge",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "fm-cluster-tls-"));
      try {
        const { cert, key } = selfSignedCertificate();
        writeFileSync(join(dir, "cert.pem"), cert);
        writeFileSync(join(dir, "key.pem"), key);
        const tls = ["--tls-cert", join(dir, "cert.pem"), "--tls-key", join(dir, "key.pem")];
        const sourceSecret = "source secret 0123456789";
        const clientSecret = "client secret 0123456789";
        const redis = await RedisServer.start();
        const sequencer = await startSequencer(redis.url, tls, { FOLLOWER_MAZE_SOURCE_SECRET: sourceSecret });
        expect(sequencer.process.stderr()).toMatch(/sequencer listening: events on 127\.0\.0\.1:\d+ \(TLS\)/);
        const edge = await startEdge(redis.url, tls, { FOLLOWER_MAZE_CLIENT_SECRET: clientSecret });
        const tokens = new ClientTokens(clientSecret);
        const good = await UserClient.connect(edge.clientPort, `7 ${tokens.token(7)}\r\n`, { ca: cert, label: "user 7 with its token" });
        const bad = await UserClient.connect(edge.clientPort, `8 ${tokens.token(9)}\r\n`, { ca: cert, label: "user 8 with another's token" });
        await waitForClients(edge.metricsPort, 1);
        await bad.closedPromise;
        const intruder = await EventSource.connect(sequencer.eventPort, cert);
        await intruder.send(crlf("1|B"));
        await intruder.closedPromise;
        const source = await EventSource.connect(sequencer.eventPort, cert);
        await source.send(crlf(`AUTH ${sourceSecret}`, "1|P|3|7", "2|B"));
        await waitFor(
          () => good.received === crlf("1|P|3|7", "2|B"),
          "user 7 to get its events",
          SLOW_MS,
          () => JSON.stringify(good.received),
        );
        await source.end();
        expect(bad.received).toBe("");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    TEST_TIMEOUT_MS,
  );
});

describe("cluster: bad configuration is one line and the documented exit status", () => {
  test.each([
    [["sequencer"], 2, /sequencer: needs --redis URL/],
    [["edge", "--redis", "http://x"], 2, /--redis: expected redis:\/\//],
    [
      ["edge", "--redis", "redis://127.0.0.1:1", "--event-port", "9"],
      2,
      /--event-port does not apply to follower-maze edge \(it is a flag of serve, sequencer and simulate\)/,
    ],
    [["sequencer", "--redis", "redis://127.0.0.1:1", "--client-secret", "0123456789abcdef"], 2, /--client-secret does not apply to follower-maze sequencer/],
    [["edge", "--redis", "redis://127.0.0.1:1", "--client-port", "5555", "--ws-port", "5555"], 2, /--ws-port: port 5555 is already given to --client-port/],
  ])(
    "%j exits %d",
    async (args, code, message) => {
      const run = await runCommand(undefined, args, {}, 10_000);
      expect(run.stderr).toMatch(message);
      expect(run.stderr.trim().split("\n")).toHaveLength(1);
      expect(run.code).toBe(code);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "Redis not running, and a wrong password, exit 1 with one line that does not show the password",
    async () => {
      const gone = await RedisServer.start();
      await gone.destroy();
      const down = await runCommand(undefined, ["edge", "--redis", gone.url], {}, 10_000);
      expect(down.code).toBe(1);
      expect(down.stderr.trim()).toMatch(/^follower-maze: cannot use Redis at redis:\/\/127\.0\.0\.1:\d+\/0: cannot connect/);
      const secured = await RedisServer.start({ password: "right one" });
      const wrong = await runCommand(undefined, ["sequencer", "--redis", secured.url], { FOLLOWER_MAZE_REDIS_PASSWORD: "wrong one" }, 10_000);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr.trim().split("\n")).toHaveLength(1);
      expect(wrong.stderr).toContain("authentication failed (wrong password)");
      expect(wrong.stderr).not.toContain("wrong one");
    },
    TEST_TIMEOUT_MS,
  );
});

describe('cluster: TLS to Redis (README "Running a cluster": TLS to Redis)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "fm-rediss-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  /** Writes `text` to a file of the test's directory; returns its path. */
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  test.each([
    [
      "the private CA that signed its certificate",
      (): [SelfSigned, string] => {
        const authority = certificateAuthority();
        return [authority.issue(), authority.cert];
      },
    ],
    [
      "its self-signed certificate itself",
      (): [SelfSigned, string] => {
        const self = selfSignedCertificate();
        return [self, self.cert];
      },
    ],
  ])(
    "sequencer (--redis-ca) and edge (FOLLOWER_MAZE_REDIS_CA) on a rediss:// Redis, trusting %s, deliver every event as serve would",
    async (_, make) => {
      const [certificate, trusted] = make();
      const redis = await RedisServer.start({ tls: certificate });
      const ca = file(`ca-${redis.port}.pem`, trusted);
      const sequencer = await startSequencer(redis.url, ["--redis-ca", ca]);
      expect(sequencer.process.stderr()).toContain(`sequencer started: Redis rediss://127.0.0.1:${redis.port}/0, stream follower-maze`);
      const edge = await startEdge(redis.url, [], { FOLLOWER_MAZE_REDIS_CA: ca });
      const clients = await connectUsers(edge);
      const all = events(1, 2_000);
      await send(sequencer.eventPort, all);
      await expectDelivered(clients, expected([], all));
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "a certificate Redis presents that is not trusted stops either role at once: one line, exit 1",
    async () => {
      const redis = await RedisServer.start({ tls: certificateAuthority().issue() });
      const where = `follower-maze: cannot use Redis at rediss://127.0.0.1:${redis.port}/0: Redis's TLS certificate`;
      const runs = await Promise.all([
        runCommand(undefined, ["sequencer", "--redis", redis.url, "--event-port", "0"], {}, 10_000),
        runCommand(
          undefined,
          ["edge", "--redis", redis.url, "--client-port", "0"],
          { FOLLOWER_MAZE_REDIS_CA: file("stranger.pem", certificateAuthority().cert) },
          10_000,
        ),
      ]);
      for (const run of runs) {
        expect(run.code).toBe(1);
        expect(run.stderr.trim().split("\n")).toHaveLength(1);
      }
      expect(runs[0]?.stderr.trim()).toMatch(
        new RegExp(`^${RegExp.escape(where)} is not trusted \\(.+\\): for a private CA or a self-signed certificate, give it with --redis-ca$`),
      );
      expect(runs[1]?.stderr.trim()).toMatch(new RegExp(`^${RegExp.escape(where)} is not signed by a CA in --redis-ca \\(.+\\)$`));
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "without --redis-ca the CAs Bun trusts by default count, NODE_EXTRA_CA_CERTS included; --redis-ca replaces them",
    async () => {
      const authority = certificateAuthority();
      const redis = await RedisServer.start({ tls: authority.issue() });
      const extra = { NODE_EXTRA_CA_CERTS: file(`extra-${redis.port}.pem`, authority.cert) };
      const sequencer = await startSequencer(redis.url, [], extra);
      expect(sequencer.process.stderr()).toContain("sequencer listening");
      const replaced = await runCommand(undefined, ["edge", "--redis", redis.url, "--redis-ca", file("other.pem", certificateAuthority().cert)], extra, 10_000);
      expect(replaced.stderr).toContain("Redis's TLS certificate is not signed by a CA in --redis-ca");
      expect(replaced.code).toBe(1);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "--redis-ca: a file it cannot read, or that holds no certificate, exits 1; with a redis:// URL it is a usage error, exit 2",
    async () => {
      const key = file("key.pem", selfSignedCertificate().key);
      const cases: [string[], Record<string, string>, number, string][] = [
        [
          ["edge", "--redis", "rediss://127.0.0.1:1", "--redis-ca", join(dir, "missing.pem")],
          {},
          1,
          `--redis-ca ${join(dir, "missing.pem")}: cannot read it (no such file)`,
        ],
        [["sequencer", "--redis", "rediss://127.0.0.1:1"], { FOLLOWER_MAZE_REDIS_CA: key }, 1, `--redis-ca ${key}: not a PEM certificate`],
        [["sequencer", "--redis", "redis://127.0.0.1:1", "--redis-ca", key], {}, 2, "--redis-ca: is for TLS to Redis, which needs a rediss:// URL in --redis"],
        [
          ["edge", "--redis", "redis://127.0.0.1:1"],
          { FOLLOWER_MAZE_REDIS_CA: key },
          2,
          "FOLLOWER_MAZE_REDIS_CA: is for TLS to Redis, which needs a rediss:// URL in --redis",
        ],
      ];
      for (const [args, env, code, message] of cases) {
        const run = await runCommand(undefined, args, env, 10_000);
        expect(run.stderr.trim().split("\n")).toHaveLength(1);
        expect(run.stderr).toStartWith(`follower-maze: ${message}`);
        expect(run.code).toBe(code);
      }
    },
    TEST_TIMEOUT_MS,
  );
});

/** Runs one command with redis-cli-free means: a raw RESP client on a socket. */
async function runRedis(redis: RedisServer, args: string[]): Promise<string> {
  const reply = Promise.withResolvers<string>();
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port: redis.port,
    socket: {
      data: (_, chunk) => reply.resolve(chunk.toString()),
      error: (_, error) => reply.reject(error),
    },
  });
  socket.write(`*${args.length}\r\n${args.map((arg) => `$${arg.length}\r\n${arg}\r\n`).join("")}`);
  const text = await reply.promise;
  socket.end();
  return text;
}
