/**
 * The opt-in security options over real sockets on 127.0.0.1, against an
 * in-process Server on ports the OS picks: TLS on either port, client
 * tokens, the event-source secret and the client connection limit. The
 * certificate is made by the test itself and verified by every client, as a
 * real one would be. As in server.integration.test.ts, a later "barrier"
 * event shows that something was NOT delivered.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { ClientTokens } from "../src/auth/client-tokens.ts";
import type { ServerConfig } from "../src/server/server.ts";
import { Prng } from "../src/simulate/prng.ts";
import { crlf, EventSource, expectedStreams, logLines, serverPerTest, type TestServer, UserClient, waitFor, waitForBarrier } from "./support/net-harness.ts";
import { selfSignedCertificate } from "./support/self-signed.ts";

setDefaultTimeout(20_000);

const TLS = selfSignedCertificate();
const CLIENT_SECRET = "client-secret-for-tests-0123456789";
const SOURCE_SECRET = "source-secret-for-tests-0123456789";
const tokens = new ClientTokens(CLIENT_SECRET);

const serve = serverPerTest();

/** Every event type among users 1..4 (4 never connects), ending in a broadcast barrier. */
const EVENTS = ["1|F|1|2", "2|F|3|2", "3|P|2|1", "4|S|2", "5|U|1|2", "6|S|2", "7|B", "8|P|1|3", "9|F|2|4", "10|S|4", "11|P|3|4", "12|B"];

/** Sends EVENTS shuffled on one accepted source and checks each online user's whole stream against the reference model. */
async function deliversEverything(t: TestServer): Promise<void> {
  const online = [1, 2, 3];
  const clients = await t.users(...online);
  const source = await t.source();
  await source.send(crlf(...new Prng(5).shuffle([...EVENTS])));
  await waitForBarrier(clients, "12|B");
  const expected = expectedStreams(EVENTS, online);
  for (const [i, user] of online.entries()) expect(clients[i].received).toBe(expected.get(user) as string);
  expect(t.stats()).toMatchObject({ eventsApplied: EVENTS.length, malformed: 0, duplicates: 0 });
}

describe("TLS", () => {
  test.each<[string, Partial<ServerConfig>]>([
    ["both ports", { eventTls: TLS, clientTls: TLS }],
    ["the event port only", { eventTls: TLS }],
    ["the client port only", { clientTls: TLS }],
  ])("on %s: events in and notifications out, the certificate verified by every peer", async (_, config) => {
    await deliversEverything(serve(config));
  });

  test("a peer that does not trust the certificate cannot connect, and the failure is counted", async () => {
    const t = serve({ eventTls: TLS, clientTls: TLS });
    const stranger = selfSignedCertificate().cert;
    await expect(UserClient.connect(t.server.clientPort, "1\r\n", { ca: stranger })).rejects.toThrow();
    await expect(EventSource.connect(t.server.eventPort, stranger)).rejects.toThrow();
    await t.waitStats((s) => s.tlsFailures === 2, "both failed handshakes to be counted");
    expect(t.stats()).toMatchObject({ clients: 0, eventSources: 0, badHandshakes: 0, sourcesRejected: 0 });
    expect(logLines(t, /client .* disconnected: TLS handshake failed/)).toHaveLength(1);
    expect(logLines(t, /event source .* disconnected: TLS handshake failed/)).toHaveLength(1);
  });

  test("plain TCP on a TLS port gets nowhere: its lines are never read", async () => {
    const t = serve({ eventTls: TLS, clientTls: TLS });
    const [client] = await t.users(1);
    // At least a TLS record header's worth of bytes, so TLS fails at once rather than waits for more.
    const plainClient = await UserClient.connect(t.server.clientPort, "12345\r\n");
    const plainSource = await EventSource.connect(t.server.eventPort);
    await plainSource.send(crlf("1|P|9|2", "2|B"));
    await waitFor(() => plainClient.closed && plainSource.closed, "the server to close both plain connections");
    await t.waitStats((s) => s.tlsFailures === 2, "both failed handshakes to be counted");

    await t.sendOnce("1|P|9|12345", "2|B");
    await waitForBarrier([client], "2|B");
    expect(client.received).toBe(crlf("2|B"));
    expect(plainClient.received).not.toContain("|");
    expect(t.stats()).toMatchObject({ linesRead: 2, duplicates: 0, clients: 1 });
  });

  test("a peer that hangs up during the TLS handshake is a TLS failure on either port, not an ordinary close", async () => {
    const t = serve({ eventTls: TLS, clientTls: TLS });
    // Plain TCP that says nothing and leaves: the server is still waiting for its ClientHello.
    const client = await UserClient.connect(t.server.clientPort, null);
    const source = await EventSource.connect(t.server.eventPort);
    await t.waitStats((s) => s.clientConnections === 1, "the client connection to be opened");
    client.end();
    await source.end();
    await t.waitStats((s) => s.tlsFailures === 2, "both departures to be counted as TLS failures");
    expect(t.stats()).toMatchObject({ tlsFailures: 2, closedDisconnects: 0, handshakeTimeouts: 0, sourcesRejected: 0, eventSources: 0 });
    expect(logLines(t, /client .* disconnected: TLS handshake failed/)).toHaveLength(1);
    expect(logLines(t, /event source .* disconnected: TLS handshake failed/)).toHaveLength(1);
  });

  test("a peer that never finishes the TLS handshake is closed after the handshake timeout", async () => {
    const t = serve({ eventTls: TLS, clientTls: TLS, handshakeTimeoutMs: 100 });
    // Plain TCP that sends nothing: TLS waits for its ClientHello.
    const silentClient = await UserClient.connect(t.server.clientPort, null);
    const silentSource = await EventSource.connect(t.server.eventPort);
    await waitFor(() => silentClient.closed && silentSource.closed, "the server to close both");
    expect(t.stats()).toMatchObject({ handshakeTimeouts: 1, tlsFailures: 1, sourcesRejected: 0 });
    expect(logLines(t, /event source .* TLS handshake failed: not through the TLS handshake within 100 ms/)).toHaveLength(1);
  });
});

describe("client tokens", () => {
  test("a client presenting its token is admitted and gets its notifications", async () => {
    await deliversEverything(serve({ clientSecret: CLIENT_SECRET }));
  });

  test("the token is for the user id, however it is written", async () => {
    const t = serve({ clientSecret: CLIENT_SECRET });
    const client = await t.rawClient(`007 ${tokens.token(7).toUpperCase()}\n`);
    await t.waitStats((s) => s.clients === 1, "the client to be registered");
    await t.sendOnce("1|P|5|7", "2|B");
    await waitForBarrier([client], "2|B");
    expect(client.received).toBe(crlf("1|P|5|7", "2|B"));
  });

  const valid = tokens.token(5);
  test.each([
    ["no token", "5", "no token"],
    ["an empty token", "5 ", "no token"],
    ["another user's token", `5 ${tokens.token(6)}`, "wrong token"],
    ["a token made with another secret", `5 ${new ClientTokens(`${CLIENT_SECRET}x`).token(5)}`, "wrong token"],
    ["a token one digit short", `5 ${valid.slice(1)}`, "token is not 64 hex digits"],
    ["a token with a non-hex digit", `5 ${valid.slice(1)}g`, "token is not 64 hex digits"],
    ["two spaces before the token", `5  ${valid}`, "token is not 64 hex digits"],
    ["more after the token", `5 ${valid} 5`, "token is not 64 hex digits"],
  ])("closes and counts a client that sends %s", async (_, handshake, detail) => {
    const t = serve({ clientSecret: CLIENT_SECRET });
    const client = await t.rawClient(`${handshake}\r\n`);
    await waitFor(() => client.closed, "the server to close the connection");
    expect(client.received).toBe("");
    expect(t.stats()).toMatchObject({ badTokens: 1, badHandshakes: 0, clients: 0 });
    expect(logLines(t, /disconnected: bad token/).map((line) => line.replace(/^.*bad token: /, ""))).toEqual([`${detail} for user 5`]);
  });

  test("a first line without a user id is a bad handshake, and the token in it is not logged", async () => {
    const t = serve({ clientSecret: CLIENT_SECRET });
    const client = await t.rawClient(`x5 ${valid}\r\n`);
    await waitFor(() => client.closed, "the server to close the connection");
    expect(t.stats()).toMatchObject({ badHandshakes: 1, badTokens: 0 });
    expect(logLines(t, /disconnected: bad handshake: first line does not start with a user id: "x5"$/)).toHaveLength(1);
    expect(t.logs.join("\n")).not.toContain(valid);
  });

  test("without a client secret, a line with a token is a bad handshake, as ever", async () => {
    const t = serve();
    const client = await t.rawClient(`5 ${valid}\r\n`);
    await waitFor(() => client.closed, "the server to close the connection");
    expect(t.stats()).toMatchObject({ badHandshakes: 1, badTokens: 0 });
  });
});

describe("event-source secret", () => {
  const auth = `AUTH ${SOURCE_SECRET}\r\n`;
  const events = crlf("2|B", "1|B", "3|B");
  test.each([
    ["in one write", [auth + events]],
    ["with the events in the next read", [auth, events]],
    ["with the first event cut across reads", [auth + events.slice(0, 2), events.slice(2)]],
  ])("AUTH %s: every event is applied", async (_, pieces) => {
    const t = serve({ sourceSecret: SOURCE_SECRET });
    const [client] = await t.users(1);
    const source = await t.rawSource();
    for (const piece of pieces) {
      await source.send(piece);
      // The AUTH line has been read before the next piece is sent, so the cut really splits reads.
      await t.waitStats((s) => s.eventSources === 1, "the source to be accepted");
    }
    await waitForBarrier([client], "3|B");
    expect(client.received).toBe(crlf("1|B", "2|B", "3|B"));
    expect(t.stats()).toMatchObject({ linesRead: 3, eventsApplied: 3, sourcesRejected: 0, eventSources: 1 });
  });

  test.each([
    ["events without AUTH", crlf("1|P|9|1", "2|B")],
    ["a wrong secret", crlf(`AUTH ${SOURCE_SECRET.slice(0, -1)}x`, "1|P|9|1", "2|B")],
    ["the secret without AUTH", crlf(SOURCE_SECRET, "1|P|9|1", "2|B")],
    ["AUTH in lower case", crlf(`auth ${SOURCE_SECRET}`, "1|P|9|1", "2|B")],
    ["a first line over the maximum length", crlf(`AUTH ${SOURCE_SECRET}${"x".repeat(2000)}`, "1|P|9|1", "2|B")],
  ])("a source that sends %s is closed before any of its events is read", async (_, bytes) => {
    const t = serve({ sourceSecret: SOURCE_SECRET });
    const [client] = await t.users(1);
    const intruder = await t.rawSource();
    // The server may close the connection before all of it is written: that is the point.
    await intruder.send(bytes).catch(() => {});
    await waitFor(() => intruder.closed, "the server to close the source");
    expect(t.stats()).toMatchObject({ sourcesRejected: 1, linesRead: 0, oversized: 0, eventSources: 0 });
    expect(logLines(t, /event source .* disconnected: not authenticated: .*is not AUTH with the source secret/)).toHaveLength(1);
    expect(t.logs.join("\n")).not.toContain(SOURCE_SECRET.slice(0, -1));

    // Had the intruder's 1 been applied, this 1 would be a duplicate.
    await t.sendOnce("1|B", "2|B");
    await waitForBarrier([client], "2|B");
    expect(client.received).toBe(crlf("1|B", "2|B"));
    expect(t.stats()).toMatchObject({ linesRead: 2, duplicates: 0 });
  });

  test("a source that sends nothing is closed after the handshake timeout", async () => {
    const t = serve({ sourceSecret: SOURCE_SECRET, handshakeTimeoutMs: 100 });
    const silent = await t.rawSource();
    await waitFor(() => silent.closed, "the server to close the source");
    expect(t.stats()).toMatchObject({ sourcesRejected: 1, eventSources: 0 });
    expect(logLines(t, /not authenticated: no AUTH line within 100 ms/)).toHaveLength(1);
  });

  test("a source that leaves before AUTH is counted too", async () => {
    const t = serve({ sourceSecret: SOURCE_SECRET });
    const leaving = await t.rawSource();
    await leaving.send(`AUTH ${SOURCE_SECRET.slice(0, 4)}`);
    await leaving.end();
    await t.waitStats((s) => s.sourcesRejected === 1, "the departure to be counted");
    expect(t.stats()).toMatchObject({ truncated: 0, eventSources: 0 });
    expect(logLines(t, /not authenticated: disconnected before sending AUTH/)).toHaveLength(1);
  });
});

describe("client connection limit", () => {
  test("refuses connections over the limit at once, counting those still in their handshake; admitted clients are unaffected", async () => {
    const t = serve({ maxClients: 2 });
    const [one] = await t.users(1);
    // Holds the second place without ever saying who it is.
    const silent = await t.rawClient(null);
    const refused = await t.rawClient("3\r\n");
    await waitFor(() => refused.closed, "the server to close the connection over the limit");
    expect(t.stats()).toMatchObject({ clientsRefused: 1, clients: 1, badHandshakes: 0, handshakeTimeouts: 0 });
    expect(logLines(t, /client .* refused: 2 client connections already open \(--max-clients\)/)).toHaveLength(1);

    await t.sendOnce("1|P|2|1", "2|P|2|3", "3|B");
    await waitForBarrier([one], "3|B");
    expect(one.received).toBe(crlf("1|P|2|1", "3|B"));
    expect(refused.received).toBe("");
    expect(silent.closed).toBe(false);

    // A place that frees is taken again.
    one.end();
    await t.waitStats((s) => s.clients === 0, "user 1 to leave");
    const [again] = await t.users(3);
    await t.sendOnce("4|B");
    await waitForBarrier([again], "4|B");
    expect(t.stats().clientsRefused).toBe(1);
  });

  test("over TLS, a connection over the limit is closed before its TLS handshake", async () => {
    const t = serve({ clientTls: TLS, maxClients: 1 });
    await t.users(1);
    await expect(UserClient.connect(t.server.clientPort, "2\r\n", { ca: TLS.cert })).rejects.toThrow(
      "disconnected before secure TLS connection was established",
    );
    await t.waitStats((s) => s.clientsRefused === 1, "the refusal to be counted");
    expect(t.stats()).toMatchObject({ clients: 1, tlsFailures: 0, handshakeTimeouts: 0 });
  });
});

describe("every option at once", () => {
  test("TLS on both ports, client tokens, the source secret and a client limit", async () => {
    await deliversEverything(serve({ eventTls: TLS, clientTls: TLS, clientSecret: CLIENT_SECRET, sourceSecret: SOURCE_SECRET, maxClients: 3 }));
  });
});
