/**
 * A real browser as a WebSocket client: the server (the binary at
 * $TEST_BINARY, else the source) runs with --ws-port; a page in headless
 * Chromium connects, sends its user id as the first message and collects
 * every message; a seeded, shuffled event sequence goes in on the event
 * port, and the page must hold exactly that user's notifications, in order.
 */
import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { resolve } from "node:path";
import { Prng } from "../src/simulate/prng.ts";
import { Browser } from "./support/browser.ts";
import { crlf, EventSource, expectedStreams, HOST, waitFor } from "./support/net-harness.ts";
import { type ServerProcess, startServer } from "./support/server-process.ts";

setDefaultTimeout(60_000);

const binary = process.env.TEST_BINARY ? resolve(import.meta.dir, "..", process.env.TEST_BINARY) : undefined;

let browser: Browser | undefined;
let server: ServerProcess | undefined;
let pages: ReturnType<typeof Bun.serve> | undefined;
afterEach(async () => {
  await browser?.close();
  await server?.stop("SIGKILL");
  pages?.stop(true);
  browser = server = pages = undefined;
});

/**
 * The client page, served over http from loopback (Chromium will not open a
 * WebSocket from about:blank): it connects to the port in its query, sends
 * the user id as its first message and keeps every message in `received`.
 */
const CLIENT_PAGE = `<!doctype html><title>follower-maze WebSocket client</title><script>
const query = new URLSearchParams(location.search);
window.received = [];
window.closeCode = null;
const socket = new WebSocket("ws://${HOST}:" + query.get("port") + "/");
socket.onopen = () => { socket.send(query.get("user")); window.opened = true; };
socket.onerror = () => { window.failed = true; };
socket.onmessage = (event) => window.received.push(typeof event.data === "string" ? event.data : "(binary)");
socket.onclose = (event) => { window.closeCode = event.code; };
</script>`;

/** Users 1..6, every event type, ending in a broadcast barrier. */
function seededEvents(count: number, seed: number): string[] {
  const rng = new Prng(seed);
  const user = () => rng.range(1, 6);
  const kinds = [
    (seq: number) => `${seq}|F|${user()}|${user()}`,
    (seq: number) => `${seq}|U|${user()}|${user()}`,
    (seq: number) => `${seq}|B`,
    (seq: number) => `${seq}|P|${user()}|${user()}`,
    (seq: number) => `${seq}|S|${user()}`,
  ];
  const events = Array.from({ length: count - 1 }, (_, i) => (kinds[rng.int(kinds.length)] as (seq: number) => string)(i + 1));
  events.push(`${count}|B`);
  return events;
}

describe("WebSocket clients in headless Chromium", () => {
  test("a page connects, handshakes and receives a seeded sequence in order", async () => {
    server = await startServer(binary, ["--ws-port", "0", "--metrics-port", "0"]);
    browser = await Browser.launch();
    pages = Bun.serve({ hostname: HOST, port: 0, fetch: () => new Response(CLIENT_PAGE, { headers: { "Content-Type": "text/html" } }) });
    const page = await browser.open(`http://${HOST}:${pages.port}/?port=${server.wsPort}&user=3`);
    await page.waitFor("window.opened === true || window.failed === true", "the page's WebSocket to open");
    expect(await page.evaluate("window.failed ?? false")).toBe(false);
    // The handshake is in once the server counts the client: events sent before that would not reach it.
    const stats = `http://${HOST}:${server.metricsPort}/stats`;
    await waitFor(
      async () => ((await (await fetch(stats)).json()) as { clients: { connections: number } }).clients.connections === 1,
      "the page's client to register",
    );

    const events = seededEvents(1_000, 21);
    const source = await EventSource.connect(server.eventPort);
    await source.send(crlf(...new Prng(9).shuffle([...events])));
    await page.waitFor(`window.received.at(-1) === "1000|B"`, "the page to receive the barrier");
    const received = await page.evaluate<string[]>("window.received");
    expect(received.map((line) => `${line}\r\n`).join("")).toBe(expectedStreams(events, [3]).get(3) as string);
    expect(received.length).toBeGreaterThan(200);
    expect(await page.evaluate("window.closeCode")).toBeNull();
    expect(page.errors).toEqual([]);
    await source.end();
  });
});
