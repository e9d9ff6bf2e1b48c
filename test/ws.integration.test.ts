/**
 * User clients over WebSocket (--ws-port), over real sockets on 127.0.0.1:
 * the same notifications in the same order as a TCP client of the same user,
 * one text message per notification; the handshake, its failures and their
 * close codes; --max-clients shared with the TCP port; a client that stops
 * reading; TLS; the listing; shutdown.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Socket } from "bun";
import { ClientTokens } from "../src/auth/client-tokens.ts";
import { MAX_IGNORED_BYTES } from "../src/net/client-gateway.ts";
import { CLOSE_POLICY, CLOSE_TRY_LATER } from "../src/net/ws-gateway.ts";
import { Prng } from "../src/simulate/prng.ts";
import { crlf, expectedStreams, HOST, paddedPrivate, serverPerTest, type TestServer, waitFor, waitForBarrier } from "./support/net-harness.ts";
import { metricsUrl } from "./support/scrape.ts";
import { selfSignedCertificate } from "./support/self-signed.ts";
import { WsUserClient } from "./support/ws-client.ts";

setDefaultTimeout(20_000);

const serve = serverPerTest();

function wsPort(t: TestServer): number {
  return t.server.wsPort as number;
}

/** Connects over WebSocket as `userId` and waits until the server counts the client. */
async function wsUser(t: TestServer, userId: number, token = ""): Promise<WsUserClient> {
  const before = t.stats().clients;
  const client = await WsUserClient.connect(wsPort(t), `${userId}${token}`, { ca: t.server.config.clientTls?.cert, label: `ws user ${userId}` });
  await t.waitStats((s) => s.clients === before + 1, `ws user ${userId} to be registered`);
  return client;
}

/** A seeded mix of every event type among users 1..8, ending in a broadcast barrier; sent shuffled. */
function seededEvents(count: number, seed: number): string[] {
  const rng = new Prng(seed);
  const user = () => rng.range(1, 8);
  const events: string[] = [];
  for (let seq = 1; seq < count; seq++) {
    const kind = rng.int(5);
    events.push(
      kind === 0
        ? `${seq}|F|${user()}|${user()}`
        : kind === 1
          ? `${seq}|U|${user()}|${user()}`
          : kind === 2
            ? `${seq}|B`
            : kind === 3
              ? `${seq}|P|${user()}|${user()}`
              : `${seq}|S|${user()}`,
    );
  }
  events.push(`${count}|B`);
  return events;
}

function waitForWsBarrier(clients: WsUserClient[], line: string): Promise<void> {
  return waitFor(
    () => clients.every((client) => client.messages.at(-1) === line),
    `every WebSocket client to receive ${JSON.stringify(line)}`,
    undefined,
    () => clients.map((client) => `${client.label}: ${JSON.stringify(client.messages.slice(-5))}`).join("\n"),
  );
}

describe("WebSocket clients", () => {
  test("is off unless a port is given", () => {
    expect(serve().server.wsPort).toBeNull();
  });

  test("each user gets exactly what a TCP client of the same user gets, in order, one text message per notification, over both at once", async () => {
    const t = serve({ wsPort: 0 });
    const online = [1, 2, 3, 5, 8];
    const tcp = await t.users(...online);
    const ws: WsUserClient[] = [];
    for (const user of online) ws.push(await wsUser(t, user));
    const events = seededEvents(2_000, 11);
    const source = await t.source();
    await source.send(crlf(...new Prng(3).shuffle([...events])));
    await waitForBarrier(tcp, "2000|B");
    await waitForWsBarrier(ws, "2000|B");

    const expected = expectedStreams(events, online);
    for (const [i, user] of online.entries()) {
      expect(tcp[i]?.received).toBe(expected.get(user) as string);
      expect(ws[i]?.asStream).toBe(expected.get(user) as string);
      expect(ws[i]?.binaryMessages).toBe(0);
    }
    // Each WebSocket connection counts as a client like a TCP one.
    expect(t.stats()).toMatchObject({ clients: 10, users: 5 });
  });

  test("with --client-secret: the token in the first message; a wrong or missing one, a bad id or a binary first message close with 1008", async () => {
    const secret = "client-secret-for-tests-0123456789";
    const tokens = new ClientTokens(secret);
    const t = serve({ wsPort: 0, clientSecret: secret });
    const good = await wsUser(t, 4, ` ${tokens.token(4)}`);

    const wrong = await WsUserClient.connect(wsPort(t), `4 ${tokens.token(5)}`);
    const missing = await WsUserClient.connect(wsPort(t), "4");
    const notAnId = await WsUserClient.connect(wsPort(t), `x4 ${tokens.token(4)}`);
    const binary = await WsUserClient.connect(wsPort(t), null);
    binary.send(new Uint8Array([0x34]));
    for (const client of [wrong, missing, notAnId, binary]) expect(await client.closedWith()).toBe(CLOSE_POLICY);
    expect([wrong.closeReason, missing.closeReason, notAnId.closeReason, binary.closeReason]).toEqual([
      "bad token",
      "bad token",
      "bad handshake",
      "bad handshake",
    ]);
    expect(t.stats()).toMatchObject({ badTokens: 2, badHandshakes: 2, handshakeTimeouts: 0, clients: 1 });

    await t.sendOnce("1|P|9|4", "2|B");
    await waitForWsBarrier([good], "2|B");
    expect(good.messages).toEqual(["1|P|9|4", "2|B"]);
  });

  test("a client that sends nothing within the handshake timeout is closed with 1008", async () => {
    // A server of its own: nothing else here could be slowed past the short timeout.
    const t = serve({ wsPort: 0, handshakeTimeoutMs: 100 });
    const silent = await WsUserClient.connect(wsPort(t), null);
    expect(await silent.closedWith()).toBe(CLOSE_POLICY);
    expect(silent.closeReason).toBe("handshake timeout");
    expect(t.stats()).toMatchObject({ handshakeTimeouts: 1, clients: 0, closedDisconnects: 0 });
  });

  test("a client that keeps sending after its handshake is cut off past the bound, as on the TCP port", async () => {
    const t = serve({ wsPort: 0 });
    const flooder = await wsUser(t, 1);
    const chunk = "x".repeat(16 * 1024);
    for (let sent = 0; sent <= MAX_IGNORED_BYTES; sent += chunk.length) flooder.send(chunk);
    expect(await flooder.closedWith()).toBe(CLOSE_POLICY);
    expect(flooder.closeReason).toBe("flooding");
    expect(t.stats()).toMatchObject({ floodDisconnects: 1, clients: 0 });
  });

  test("--max-clients counts TCP and WebSocket connections together; a WebSocket client over it is closed with 1013", async () => {
    const t = serve({ wsPort: 0, maxClients: 2 });
    await t.users(1);
    await wsUser(t, 2);
    const refused = await WsUserClient.connect(wsPort(t), "3");
    expect(await refused.closedWith()).toBe(CLOSE_TRY_LATER);
    const refusedTcp = await t.rawClient("4\r\n");
    await refusedTcp.closedPromise;
    expect(t.stats()).toMatchObject({ clientsRefused: 2, clients: 2 });
  });

  test("a client that stops reading is cut off at --max-client-buffer; the others keep receiving", async () => {
    const t = serve({ wsPort: 0, maxLineBytes: 65_536, maxClientBuffer: 256 * 1024 });
    const reader = await wsUser(t, 1);
    const stalled = await StalledWsClient.connect(wsPort(t), "2");
    await t.waitStats((s) => s.clients === 2, "the stalled client to be registered");
    const source = await t.source();
    let seq = 0;
    while (t.stats().slowDisconnects === 0) {
      if (seq > 2_000) throw new Error(`never cut off: ${JSON.stringify(t.stats())}`);
      // Private messages of 30 kB to the stalled user: its kernel buffers fill, then its outbox.
      await source.send(crlf(...Array.from({ length: 8 }, () => paddedPrivate(++seq, 1, 2, 30_000))));
      await t.waitStats((s) => s.eventsApplied === seq, `${seq} events applied`);
    }
    await source.send(crlf(`${++seq}|B`));
    await waitForWsBarrier([reader], `${seq}|B`);
    expect(t.stats()).toMatchObject({ slowDisconnects: 1, clients: 1 });
    stalled.destroy();
  });

  test("over TLS (wss://) when the client port serves TLS", async () => {
    const tls = selfSignedCertificate();
    const t = serve({ wsPort: 0, clientTls: tls });
    const client = await wsUser(t, 7);
    await t.sendOnce("1|P|1|7", "2|B");
    await waitForWsBarrier([client], "2|B");
    expect(client.messages).toEqual(["1|P|1|7", "2|B"]);
    await expect(WsUserClient.connect(wsPort(t), "8", { ca: selfSignedCertificate().cert })).rejects.toThrow();
  });

  test("a plain HTTP request gets 426; /clients lists WebSocket clients with their transport", async () => {
    const t = serve({ wsPort: 0, metricsPort: 0 });
    expect((await fetch(`http://${HOST}:${wsPort(t)}/`)).status).toBe(426);
    await t.users(1);
    await wsUser(t, 1);
    await t.sendOnce("1|B");
    await waitFor(async () => {
      const listing = (await (await fetch(metricsUrl(t.server.metricsPort as number, "/clients"))).json()) as { clients: { notifications: number }[] };
      return listing.clients.every((client) => client.notifications === 1);
    }, "both clients to show their notification");
    const listing = (await (await fetch(metricsUrl(t.server.metricsPort as number, "/clients"))).json()) as {
      clients: { user_id: number; transport: string }[];
    };
    expect(listing.clients.map((client) => [client.user_id, client.transport])).toEqual([
      [1, "tcp"],
      [1, "ws"],
    ]);
  });

  test("shutdown: what is queued goes out, then each client gets a normal close (1001)", async () => {
    const t = serve({ wsPort: 0 });
    const client = await wsUser(t, 1);
    const source = await t.source();
    await source.send(crlf(...Array.from({ length: 500 }, (_, i) => `${i + 1}|P|2|1`)));
    await t.waitStats((s) => s.eventsApplied === 500, "every event applied");
    expect(await t.server.shutdown(5_000)).toBe(true);
    expect(await client.closedWith()).toBe(1001);
    expect(client.messages).toHaveLength(500);
    expect(client.messages.at(-1)).toBe("500|P|2|1");
  });
});

/**
 * A WebSocket client on a raw TCP socket that sends its handshake and then
 * never reads: the server's writes pile up in the kernel, then in its outbox.
 * (Bun's WebSocket client always reads.)
 */
class StalledWsClient {
  private constructor(private readonly socket: Socket<undefined>) {}

  static async connect(port: number, handshake: string): Promise<StalledWsClient> {
    const upgraded = Promise.withResolvers<void>();
    let head = "";
    const socket = await Bun.connect({
      hostname: HOST,
      port,
      socket: {
        data(_, chunk) {
          head += chunk.toString("latin1");
          if (head.includes("\r\n\r\n")) upgraded.resolve();
        },
        close() {
          upgraded.reject(new Error("closed before the upgrade"));
        },
        error() {},
      },
    });
    socket.write(
      `GET / HTTP/1.1\r\nHost: ${HOST}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${Buffer.from("follower-maze-ws").toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    await upgraded.promise;
    expect(head.startsWith("HTTP/1.1 101")).toBe(true);
    // One masked text frame (clients must mask), FIN set.
    const payload = Buffer.from(handshake, "latin1");
    const mask = [1, 2, 3, 4];
    const frame = Buffer.concat([Buffer.from([0x81, 0x80 | payload.length, ...mask]), payload.map((byte, i) => byte ^ (mask[i % 4] as number))]);
    socket.write(frame);
    socket.pause();
    return new StalledWsClient(socket);
  }

  destroy(): void {
    this.socket.terminate();
  }
}
