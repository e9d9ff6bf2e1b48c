/**
 * The status page's endpoints over real HTTP and TCP: / serves the page,
 * /stats the figures it draws, /clients and /sources the connections, each
 * read back after traffic the test pushed through the server's ports.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { DEFAULT_LIMIT, MAX_LIMIT } from "../src/status/listing.ts";
import { crlf, serverPerTest, type TestServer, waitFor, waitForBarrier } from "./support/net-harness.ts";
import { metricsUrl } from "./support/scrape.ts";

setDefaultTimeout(20_000);

const serve = serverPerTest();

function metricsPort(t: TestServer): number {
  return t.server.metricsPort as number;
}

// biome-ignore lint/suspicious/noExplicitAny: JSON read back for assertions.
async function getJson(t: TestServer, path: string): Promise<any> {
  const response = await fetch(metricsUrl(metricsPort(t), path));
  expect([path, response.status, response.headers.get("content-type")]).toEqual([path, 200, "application/json"]);
  expect(response.headers.get("cache-control")).toBe("no-store");
  return response.json();
}

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe("GET /", () => {
  test("is one self-contained HTML page: no external script, style, image or font", async () => {
    const t = serve({ metricsPort: 0 });
    const response = await fetch(metricsUrl(metricsPort(t), "/"));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const page = await response.text();
    expect(page.startsWith("<!doctype html>")).toBe(true);
    expect(page).toContain('fetch("stats"');
    expect(page).not.toMatch(/<(script|img|link|iframe)[^>]*\s(src|href)=/i);
    expect(page).not.toMatch(/url\(|@import|https?:\/\//i);
  });
});

describe("GET /stats", () => {
  test("the counters, gauges, drops and latency percentiles, following the traffic", async () => {
    const t = serve({ metricsPort: 0, startSeq: 1 });
    let stats = await getJson(t, "/stats");
    expect(stats.events).toEqual({ received: 0, applied: 0, pending: 0, next_seq: 1, sources: 0, sources_paused: false });
    expect(stats.latency_seconds.total).toEqual({ count: 0, p50: null, p90: null, p99: null, p999: null });
    expect(stats.now).toMatch(ISO_TIME);
    expect(stats.rates.interval_seconds).toBe(1);

    const clients = await t.users(1, 2);
    const source = await t.source();
    await source.send(crlf("1|F|1|2", "2|B", "4|B", "3|X", "1|B"));
    await waitForBarrier(clients, "4|B");
    stats = await getJson(t, "/stats");
    expect(stats.events).toEqual({ received: 5, applied: 4, pending: 0, next_seq: 5, sources: 1, sources_paused: false });
    // 1|F|1|2 to user 2; 2|B and 4|B to both.
    expect(stats.notifications).toBe(5);
    expect(stats.clients).toEqual({ connections: 2, users: 2, queued_bytes: 0, opened: 2 });
    expect(stats.dropped).toEqual({ malformed: 1, oversized: 0, duplicate: 1, truncated: 0, skipped: 0 });
    expect(stats.disconnects).toEqual({ closed: 0, slow: 0, flooding: 0, bad_handshake: 0, bad_token: 0, handshake_timeout: 0 });
    const total = stats.latency_seconds.total;
    expect(total.count).toBe(4);
    expect(total.p50).toBeGreaterThan(0);
    expect(total.p50).toBeLessThanOrEqual(total.p90);
    expect(total.p90).toBeLessThanOrEqual(total.p99);
    expect(total.p99).toBeLessThanOrEqual(total.p999);

    // The history is sampled once a second: within a few samples the rates show the traffic.
    await waitFor(async () => (await getJson(t, "/stats")).rates.events_applied.length >= 1, "a rate sample");
    stats = await getJson(t, "/stats");
    const { events_received, events_applied, notifications } = stats.rates;
    expect([events_received.length, notifications.length]).toEqual([events_applied.length, events_applied.length]);
    expect(events_applied.every((rate: number) => Number.isInteger(rate) && rate >= 0)).toBe(true);
  });
});

describe("GET /clients", () => {
  test("each connection: user id, transport, remote, connected since, queued bytes, notifications; oldest first", async () => {
    const t = serve({ metricsPort: 0 });
    const before = Date.now();
    const [one, two] = await t.users(7, 8);
    const silent = await t.rawClient(null);
    await waitFor(() => t.server.stats().clientConnections === 3, "the silent client to connect");
    await t.sendOnce("1|B", "2|P|7|8", "3|B");
    await waitForBarrier([one as NonNullable<typeof one>, two as NonNullable<typeof two>], "3|B");

    const listing = await getJson(t, "/clients");
    expect([listing.total, listing.offset, listing.limit]).toEqual([3, 0, DEFAULT_LIMIT]);
    expect(listing.now).toMatch(ISO_TIME);
    const [seven, eight, handshaking] = listing.clients;
    expect(seven).toMatchObject({ user_id: 7, transport: "tcp", queued_bytes: 0, notifications: 2 });
    expect(eight).toMatchObject({ user_id: 8, transport: "tcp", queued_bytes: 0, notifications: 3 });
    // Still owing its handshake: listed, but it is nobody yet.
    expect(handshaking).toMatchObject({ user_id: null, transport: "tcp", queued_bytes: 0, notifications: 0 });
    for (const client of listing.clients) {
      expect(client.remote).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(client.connected_since).toMatch(ISO_TIME);
      expect(Date.parse(client.connected_since)).toBeGreaterThanOrEqual(before - 1);
    }
    silent.end();
  });

  test("offset and limit page through the connections; a bad value is 400", async () => {
    const t = serve({ metricsPort: 0 });
    await t.users(1, 2, 3, 4, 5);
    const ids = async (query: string) => (await getJson(t, `/clients${query}`)).clients.map((c: { user_id: number }) => c.user_id);
    expect(await ids("?limit=2")).toEqual([1, 2]);
    expect(await ids("?offset=2&limit=2")).toEqual([3, 4]);
    expect(await ids("?offset=4&limit=2")).toEqual([5]);
    expect(await ids("?offset=5")).toEqual([]);
    expect(await ids("?limit=0")).toEqual([]);
    expect((await getJson(t, `/clients?limit=${MAX_LIMIT}`)).limit).toBe(MAX_LIMIT);
    for (const query of [`?limit=${MAX_LIMIT + 1}`, "?limit=-1", "?offset=x", "?limit=1.5"]) {
      const response = await fetch(metricsUrl(metricsPort(t), `/clients${query}`));
      expect([query, response.status]).toEqual([query, 400]);
      expect(await response.text()).toMatch(/^(limit|offset) must be a whole number from 0 to \d+, not "/);
    }
  });
});

describe("GET /sources", () => {
  test("each event source: remote, connected since, lines and bytes read, state", async () => {
    const t = serve({ metricsPort: 0, maxPending: 3 });
    const first = await t.source();
    await first.send(crlf("1|B", "2|B"));
    await t.waitStats((s) => s.eventsApplied === 2, "two events applied");
    let listing = await getJson(t, "/sources");
    expect(listing.total).toBe(1);
    expect(listing.sources[0]).toMatchObject({ state: "open", lines: 2, bytes: 10 });
    expect(listing.sources[0].remote).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(listing.sources[0].connected_since).toMatch(ISO_TIME);

    // A gap that fills the reorder buffer pauses the sources.
    const second = await t.source();
    await second.send(crlf("4|B", "5|B", "6|B", "7|B"));
    await t.waitStats((s) => s.sourcesPaused, "the sources to pause");
    listing = await getJson(t, "/sources");
    expect(listing.sources.map((s: { state: string; lines: number }) => [s.state, s.lines])).toEqual([
      ["paused", 2],
      ["paused", 4],
    ]);
    expect((await getJson(t, "/sources?offset=1")).sources.map((s: { lines: number }) => s.lines)).toEqual([4]);
  });

  test("a source still owing its AUTH line shows as such", async () => {
    const t = serve({ metricsPort: 0, sourceSecret: "s3cret" });
    await t.rawSource();
    await waitFor(async () => (await getJson(t, "/sources")).total === 1, "the source to be listed");
    expect((await getJson(t, "/sources")).sources[0]).toMatchObject({ state: "awaiting auth", lines: 0, bytes: 0 });
  });
});
