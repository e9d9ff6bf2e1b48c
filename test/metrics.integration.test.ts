/**
 * The metrics endpoint over real HTTP and TCP on 127.0.0.1: an in-process
 * Server with its metrics port on a free port, traffic pushed through the
 * event and client ports, and /metrics read back after each step. Steps wait
 * for the server's own counters (an observable condition), then scrape.
 */
import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { ClientTokens } from "../src/auth/client-tokens.ts";
import { EXPOSITION_CONTENT_TYPE } from "../src/metrics/exposition.ts";
import { DELIVERY_LATENCY, SERVER_METRICS } from "../src/metrics/server-metrics.ts";
import type { ServerConfig } from "../src/server/server.ts";
import { ManualTimers } from "./support/manual-timers.ts";
import { crlf, EventSource, paddedPrivate, TestServer, waitFor, waitForBarrier } from "./support/net-harness.ts";
import { metricsUrl, parseSamples, scrape } from "./support/scrape.ts";
import { selfSignedCertificate } from "./support/self-signed.ts";

setDefaultTimeout(20_000);

let current: TestServer | undefined;

function serve(config: Partial<ServerConfig> = {}, timers?: ManualTimers): { t: TestServer; port: number } {
  current = new TestServer({ metricsPort: 0, ...config }, timers);
  return { t: current, port: current.server.metricsPort as number };
}

afterEach(async () => {
  await current?.close();
  current = undefined;
});

const LATENCY = DELIVERY_LATENCY.name;
const dropped = (reason: string) => `follower_maze_events_dropped_total{reason="${reason}"}`;
const disconnects = (reason: string) => `follower_maze_client_disconnects_total{reason="${reason}"}`;

describe("the endpoint", () => {
  test("is off unless a port is given", () => {
    current = new TestServer();
    expect(current.server.metricsPort).toBeNull();
  });

  test("/metrics: every family with HELP and TYPE, in the Prometheus text format, all at rest before any traffic", async () => {
    const { port } = serve({ startSeq: 7 });
    expect(port).toBeGreaterThan(0);
    const response = await fetch(metricsUrl(port));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe(EXPOSITION_CONTENT_TYPE);
    const page = await response.text();
    expect(page.endsWith("\n")).toBe(true);

    for (const metric of SERVER_METRICS) {
      expect(page).toContain(`\n# TYPE ${metric.name} ${metric.type}\n`);
      expect(page).toContain(`# HELP ${metric.name} `);
    }
    expect(page).toContain(`# TYPE ${LATENCY} histogram\n`);

    const samples = parseSamples(page);
    const latencySamples = DELIVERY_LATENCY.buckets.length + 1 + 2;
    expect(samples.size).toBe(SERVER_METRICS.reduce((n, metric) => n + metric.samples.length, 0) + latencySamples);
    for (const [key, value] of samples) {
      if (key === "follower_maze_next_sequence_number") expect(value).toBe(7);
      else expect([key, value]).toEqual([key, 0]);
    }
    expect(samples.get(`${LATENCY}_bucket{le="0.00001"}`)).toBe(0);
    expect(samples.get(`${LATENCY}_bucket{le="100"}`)).toBe(0);
    expect(samples.get(`${LATENCY}_bucket{le="+Inf"}`)).toBe(0);
  });

  test("/healthz and /readyz answer 200; HEAD is GET without a body; unknown paths 404; other methods 405", async () => {
    const { port } = serve();
    const health = await fetch(metricsUrl(port, "/healthz"));
    expect([health.status, await health.text()]).toEqual([200, "ok\n"]);
    const ready = await fetch(metricsUrl(port, "/readyz"));
    expect([ready.status, await ready.text()]).toEqual([200, "ready\n"]);
    const query = await fetch(metricsUrl(port, "/metrics?name[]=x"));
    expect(query.status).toBe(200);

    const head = await fetch(metricsUrl(port), { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toBe(EXPOSITION_CONTENT_TYPE);
    expect(await head.text()).toBe("");

    for (const path of ["/", "/metric", "/metrics/", "/healthz/x", "/constructor"]) {
      expect([path, (await fetch(metricsUrl(port, path))).status]).toEqual([path, 404]);
    }
    for (const method of ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"]) {
      for (const path of ["/metrics", "/healthz", "/readyz"]) {
        const response = await fetch(metricsUrl(port, path), { method });
        expect([method, path, response.status, response.headers.get("allow")]).toEqual([method, path, 405, "GET, HEAD"]);
      }
    }
  });

  test("/readyz turns 503 as shutdown begins and stays so while queued notifications drain; then the port closes", async () => {
    const { t, port } = serve({ maxLineBytes: 65_536, maxClientBuffer: 256 * 1024 * 1024 });
    const behind = await t.user(1, { paused: true });
    const source = await t.source();
    // The client does not read, so once the kernel buffers are full the rest waits in the server.
    let seq = 0;
    while (t.stats().queuedBytes === 0) {
      if (seq > 1_000) throw new Error(`nothing queued in the server: ${JSON.stringify(t.stats())}`);
      const batch = Array.from({ length: 16 }, () => paddedPrivate(++seq, 2, 1, 60_000));
      await source.send(crlf(...batch));
      await t.waitStats((s) => s.linesRead === seq, `${seq} lines read`);
    }
    const queued = t.stats().queuedBytes;
    expect((await scrape(port))("follower_maze_queued_bytes")).toBe(queued);
    expect((await fetch(metricsUrl(port, "/readyz"))).status).toBe(200);

    const done = t.server.shutdown(5_000);
    const ready = await fetch(metricsUrl(port, "/readyz"));
    expect([ready.status, await ready.text()]).toEqual([503, "shutting down\n"]);
    expect((await fetch(metricsUrl(port, "/healthz"))).status).toBe(200);
    const during = await scrape(port);
    expect(during("follower_maze_queued_bytes")).toBeGreaterThan(0);
    expect(during("follower_maze_event_sources")).toBe(0);

    behind.resume();
    expect(await done).toBe(true);
    await expect(fetch(metricsUrl(port, "/healthz"))).rejects.toThrow();
  });
});

describe("the metrics follow the traffic", () => {
  test("events received, delivered and held; notifications; bytes sent; the delivery latency histogram", async () => {
    const { t, port } = serve();
    const clients = await t.users(1, 2);
    let m = await scrape(port);
    expect([m("follower_maze_client_connections_total"), m("follower_maze_connected_clients"), m("follower_maze_connected_users")]).toEqual([2, 2, 2]);

    const source = await t.source();
    expect((await scrape(port))("follower_maze_event_sources")).toBe(1);

    await source.send(crlf("2|B", "3|P|1|2"));
    await t.waitStats((s) => s.linesRead === 2, "two lines read");
    m = await scrape(port);
    expect(m("follower_maze_events_received_total")).toBe(2);
    expect(m("follower_maze_events_delivered_total")).toBe(0);
    expect(m("follower_maze_pending_events")).toBe(2);
    expect(m("follower_maze_next_sequence_number")).toBe(1);
    expect(m(`${LATENCY}_count`)).toBe(0);

    await source.send(crlf("1|B"));
    const expected = [crlf("1|B", "2|B"), crlf("1|B", "2|B", "3|P|1|2")];
    await waitFor(() => clients.every((client, i) => client.received === expected[i]), "both clients to receive their notifications");
    m = await scrape(port);
    expect(m("follower_maze_events_received_total")).toBe(3);
    expect(m("follower_maze_events_delivered_total")).toBe(3);
    expect(m("follower_maze_pending_events")).toBe(0);
    expect(m("follower_maze_next_sequence_number")).toBe(4);
    // 1|B and 2|B to both users, 3|P|1|2 to user 2.
    expect(m("follower_maze_notifications_total")).toBe(5);
    expect(m("follower_maze_sent_bytes_total")).toBe(expected[0].length + expected[1].length);
    expect(m(`${LATENCY}_count`)).toBe(3);
    expect(m(`${LATENCY}_bucket{le="+Inf"}`)).toBe(3);
    expect(m(`${LATENCY}_sum`)).toBeGreaterThan(0);
    // Cumulative buckets never decrease.
    const buckets = [...DELIVERY_LATENCY.buckets.map(String), "+Inf"].map((le) => m(`${LATENCY}_bucket{le="${le}"}`));
    expect(buckets).toEqual([...buckets].sort((a, b) => a - b));

    // A malformed line keeps its place as a no-op; a repeat is a duplicate; an over-long line is dropped unread.
    await source.send(crlf("4|X", "1|B", "x".repeat(2000), "5|B"));
    await waitForBarrier(clients, "5|B");
    // The source closes mid-line: its unfinished line is dropped.
    await source.send("6|B");
    await t.endSource(source);
    m = await scrape(port);
    expect([dropped("malformed"), dropped("duplicate"), dropped("oversized"), dropped("truncated")].map(m)).toEqual([1, 1, 1, 1]);
    expect(m("follower_maze_events_received_total")).toBe(6);
    expect(m("follower_maze_events_delivered_total")).toBe(5);
    expect(m(`${LATENCY}_count`)).toBe(5);
    expect(m("follower_maze_event_sources")).toBe(0);
    expect(m("follower_maze_events_skipped_total")).toBe(0);
  });

  test("a skipped gap: counted, and its held event's latency runs from its arrival, not its release", async () => {
    const { t, port } = serve({ gapTimeoutMs: 100 });
    const [client] = await t.users(1);
    const source = await t.source();
    await source.send(crlf("2|B"));
    await waitForBarrier([client], "2|B");
    const m = await scrape(port);
    expect(m("follower_maze_events_skipped_total")).toBe(1);
    expect(m("follower_maze_events_delivered_total")).toBe(1);
    expect(m("follower_maze_next_sequence_number")).toBe(3);
    expect(m(`${LATENCY}_count`)).toBe(1);
    expect(m(`${LATENCY}_sum`)).toBeGreaterThanOrEqual(0.09);
    expect(m(`${LATENCY}_bucket{le="0.05"}`)).toBe(0);
  });

  test("a full reorder buffer shows as paused sources", async () => {
    const { t, port } = serve({ maxPending: 10 });
    const source = await t.source();
    await source.send(crlf(...Array.from({ length: 20 }, (_, i) => `${i + 2}|B`)));
    await t.waitStats((s) => s.sourcesPaused, "the event sources to be paused");
    let m = await scrape(port);
    expect(m("follower_maze_event_sources_paused")).toBe(1);
    expect(m("follower_maze_pending_events")).toBe(t.stats().pending);
    expect(m("follower_maze_pending_events")).toBeGreaterThanOrEqual(10);
    // The paused source is not read again until the gap fills, so the missing event comes from another.
    await (await t.source()).send(crlf("1|B"));
    await t.waitStats((s) => !s.sourcesPaused && s.eventsApplied === 21, "the gap to fill");
    m = await scrape(port);
    expect([m("follower_maze_event_sources_paused"), m("follower_maze_pending_events"), m("follower_maze_next_sequence_number")]).toEqual([0, 0, 22]);
  });

  test("client connections and disconnects, by reason", async () => {
    // Handshake timeouts fire when the test says, never in the middle of a legitimate handshake on a slow machine.
    const timers = new ManualTimers();
    const { t, port } = serve({ maxLineBytes: 65_536, maxClientBuffer: 256 * 1024 }, timers);
    const count = async () => {
      const m = await scrape(port);
      return {
        opened: m("follower_maze_client_connections_total"),
        connected: m("follower_maze_connected_clients"),
        closed: m(disconnects("closed")),
        slow: m(disconnects("slow")),
        bad: m(disconnects("bad_handshake")),
        timeout: m(disconnects("handshake_timeout")),
      };
    };

    const leaving = await t.user(1);
    leaving.end();
    await t.waitStats((s) => s.closedDisconnects === 1, "the client to be seen leaving");
    expect(await count()).toEqual({ opened: 1, connected: 0, closed: 1, slow: 0, bad: 0, timeout: 0 });

    const silentThenGone = await t.rawClient(null);
    await t.waitStats((s) => s.clientConnections === 2, "the second connection");
    silentThenGone.end();
    await t.waitStats((s) => s.closedDisconnects === 2, "a client hanging up before its handshake");

    const bad = await t.rawClient("not a user\r\n");
    await waitFor(() => bad.closed, "the bad handshake to be refused");
    const silent = await t.rawClient(null);
    await t.waitStats((s) => s.clientConnections === 4, "the silent connection to be opened");
    // Only the silent connection still owes its handshake, so only its timer is pending.
    expect(timers.size).toBe(1);
    timers.fireAll();
    await waitFor(() => silent.closed, "the handshake timeout");
    expect(await count()).toEqual({ opened: 4, connected: 0, closed: 2, slow: 0, bad: 1, timeout: 1 });

    // A client that does not read is cut off once its queue passes --max-client-buffer.
    const slow = await t.user(9, { paused: true });
    const source = await t.source();
    let seq = 0;
    while (t.stats().slowDisconnects === 0) {
      if (seq > 2_000) throw new Error(`slow client never disconnected: ${JSON.stringify(t.stats())}`);
      await source.send(crlf(paddedPrivate(++seq, 2, 9, 60_000)));
      await t.waitStats((s) => s.linesRead === seq, `${seq} lines read`);
    }
    await waitFor(() => slow.closed, "the slow client's connection to close");
    await t.waitStats((s) => s.clients === 0, "the slow client to be forgotten");
    expect(await count()).toEqual({ opened: 5, connected: 0, closed: 2, slow: 1, bad: 1, timeout: 1 });
    expect((await scrape(port))("follower_maze_queued_bytes")).toBe(0);
  });
});

describe("the security counters follow the traffic", () => {
  const CLIENT_SECRET = "client-secret-for-metrics";
  const SOURCE_SECRET = "source-secret-for-metrics";

  test("bad tokens, refused clients, rejected sources and TLS failures", async () => {
    const tls = selfSignedCertificate();
    const { t, port } = serve({ clientSecret: CLIENT_SECRET, sourceSecret: SOURCE_SECRET, maxClients: 1, eventTls: tls });
    const count = async () => {
      const m = await scrape(port);
      return {
        badToken: m(disconnects("bad_token")),
        refused: m("follower_maze_clients_refused_total"),
        rejected: m("follower_maze_event_sources_rejected_total"),
        tls: m("follower_maze_tls_failures_total"),
      };
    };
    expect(await count()).toEqual({ badToken: 0, refused: 0, rejected: 0, tls: 0 });

    const wrong = await t.rawClient(`5 ${new ClientTokens("another-secret-entirely").token(5)}\r\n`);
    await waitFor(() => wrong.closed, "the wrong token to be refused");
    expect(await count()).toEqual({ badToken: 1, refused: 0, rejected: 0, tls: 0 });

    // One connection is the limit: a second, while the first waits for its handshake, is refused.
    const waiting = await t.rawClient(null);
    await t.waitStats((s) => s.clientConnections === 2, "the waiting connection");
    const over = await t.rawClient(null);
    await waitFor(() => over.closed, "the connection over the limit to be closed");
    expect(await count()).toEqual({ badToken: 1, refused: 1, rejected: 0, tls: 0 });
    waiting.end();

    const intruder = await EventSource.connect(t.server.eventPort, tls.cert);
    await intruder.send(crlf("1|B")).catch(() => {});
    await waitFor(() => intruder.closed, "the source without AUTH to be closed");
    await expect(EventSource.connect(t.server.eventPort, selfSignedCertificate().cert)).rejects.toThrow();
    await t.waitStats((s) => s.tlsFailures === 1, "the failed TLS handshake");
    expect(await count()).toEqual({ badToken: 1, refused: 1, rejected: 1, tls: 1 });
  });
});
