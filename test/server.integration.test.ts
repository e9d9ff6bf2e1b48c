/**
 * Every rule of the README's contract (the event types and who receives
 * each, README › Behaviour on bad input, README › Behaviour where the
 * contract is silent) checked over real TCP on 127.0.0.1, against an
 * in-process Server on ports the OS picks. Tests synchronise only on things
 * they can observe (counters, bytes received, close events); to show that
 * something was NOT delivered they send a later "barrier" event and compare
 * each client's whole stream once the barrier has arrived, since delivery is
 * in sequence order.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Socket } from "bun";
import { Prng } from "../src/simulate/prng.ts";
import {
  crlf,
  type EventSource,
  expectedStreams,
  expectStream,
  HOST,
  logLines,
  paddedPrivate,
  serverPerTest,
  type TestServer,
  waitFor,
  waitForBarrier,
} from "./support/net-harness.ts";

// Above the harness's own waits, so a hang fails with their message rather than a bare timeout.
setDefaultTimeout(20_000);

const serve = serverPerTest();

function broadcasts(from: number, to: number): string[] {
  const lines: string[] = [];
  for (let seq = from; seq <= to; seq++) lines.push(`${seq}|B`);
  return lines;
}

/** Random events over users 1..7 (6 and 7 never connect), follows weighted up so statuses have followers. */
function randomEvents(prng: Prng, count: number): string[] {
  const events: string[] = [];
  for (let seq = 1; seq <= count; seq++) {
    const a = prng.range(1, 7);
    const b = prng.range(1, 7);
    const type = prng.pick(["F", "F", "F", "U", "B", "P", "P", "S", "S"]);
    events.push(type === "B" ? `${seq}|B` : type === "S" ? `${seq}|S|${a}` : `${seq}|${type}|${a}|${b}`);
  }
  return events;
}

describe("ordering and framing", () => {
  test("applies a shuffled stream in sequence order, whatever the read boundaries (mid-line, mid-CRLF)", async () => {
    const t = serve();
    const online = [1, 2, 3, 4, 5];
    const clients = await t.users(...online);
    const prng = new Prng(20240601);
    const events = [...randomEvents(prng, 200), "201|B"];
    const stream = crlf(...prng.shuffle([...events]));

    // Cut every few lines, alternating inside a line and between its CR and LF.
    const pieces: string[] = [];
    let start = 0;
    let lineEnd = stream.indexOf("\n");
    for (let line = 0; lineEnd >= 0; line++, lineEnd = stream.indexOf("\n", lineEnd + 1)) {
      if (line % 7 !== 3) continue;
      const lineStart = stream.lastIndexOf("\n", lineEnd - 1) + 1;
      const cut = line % 2 === 0 ? lineEnd : lineStart + 1 + prng.int(lineEnd - lineStart - 2);
      pieces.push(stream.slice(start, cut));
      start = cut;
    }
    pieces.push(stream.slice(start));
    expect(pieces.filter((piece) => piece.endsWith("\r")).length).toBeGreaterThan(5);
    expect(pieces.filter((piece) => !piece.endsWith("\r") && !piece.endsWith("\n")).length).toBeGreaterThan(5);

    const source = await t.source();
    let sentLines = 0;
    for (const piece of pieces) {
      await source.send(piece);
      // The server has read the piece before the next is sent, so each cut really splits a read.
      sentLines += piece.split("\n").length - 1;
      await t.waitStats((s) => s.linesRead === sentLines, `${sentLines} lines read`);
    }

    await waitForBarrier(clients, "201|B");
    const expected = expectedStreams(events, online);
    for (const [i, user] of online.entries()) expect(clients[i].received).toBe(expected.get(user) as string);
    expect(t.stats()).toMatchObject({ linesRead: 201, eventsApplied: 201, pending: 0, nextSeq: 202, malformed: 0, duplicates: 0, oversized: 0 });
  });

  test("accepts a bare LF as terminator and always writes CRLF", async () => {
    const t = serve();
    const [client] = await t.users(1);
    const source = await t.source();
    await source.send("1|B\n2|P|2|1\r\n3|B\n");
    await waitForBarrier([client], "3|B");
    expect(client.received).toBe("1|B\r\n2|P|2|1\r\n3|B\r\n");
    expect(t.stats().malformed).toBe(0);
  });

  test.each([
    ["semicolon", ";"],
    ["tab", "\t"],
  ])("splits fields on a configured delimiter (%s) and forwards lines unchanged", async (_, d) => {
    const t = serve({ delimiter: d.charCodeAt(0) });
    const [one, two] = await t.users(1, 2);
    const source = await t.source();
    // `3|B` has no readable sequence number under another delimiter, so it is dropped without taking seq 3.
    await source.send(crlf(`1${d}F${d}1${d}2`, `2${d}B`, "3|B", `3${d}S${d}2`, `4${d}B`));
    await waitForBarrier([one, two], `4${d}B`);
    expect(one.received).toBe(crlf(`2${d}B`, `3${d}S${d}2`, `4${d}B`));
    expect(two.received).toBe(crlf(`1${d}F${d}1${d}2`, `2${d}B`, `4${d}B`));
    expect(t.stats()).toMatchObject({ malformed: 1, eventsApplied: 4 });
  });

  test("starts at the configured sequence number; numbers below it count as already delivered", async () => {
    const t = serve({ startSeq: 1000 });
    const [client] = await t.users(1);
    const source = await t.source();
    await source.send(crlf("999|B", "1001|B", "1|B", "1000|B", "1002|B"));
    await waitForBarrier([client], "1002|B");
    expect(client.received).toBe(crlf("1000|B", "1001|B", "1002|B"));
    expect(t.stats()).toMatchObject({ duplicates: 2, eventsApplied: 3, nextSeq: 1003 });
  });
});

describe("routing", () => {
  test("notifies exactly the recipients of each event type", async () => {
    const t = serve();
    const [one, two, three] = await t.users(1, 2, 3);
    await t.sendOnce(
      "1|F|1|2", // -> 2
      "2|F|3|2", // -> 2
      "3|P|2|1", // -> 1
      "4|S|2", // -> followers of 2: 1 and 3
      "5|U|1|2", // -> nobody
      "6|S|2", // -> 3, the only follower left
      "7|B", // -> everyone
      "8|S|1", // -> nobody: no followers
      "9|P|1|4", // -> nobody: 4 is offline
      "10|F|2|5", // -> nobody: 5 is offline, but the edge is made
      "11|S|5", // -> 2
      "12|B",
    );
    await waitForBarrier([one, two, three], "12|B");
    expect(one.received).toBe(crlf("3|P|2|1", "4|S|2", "7|B", "12|B"));
    expect(two.received).toBe(crlf("1|F|1|2", "2|F|3|2", "7|B", "11|S|5", "12|B"));
    expect(three.received).toBe(crlf("4|S|2", "6|S|2", "7|B", "12|B"));
    expect(t.stats()).toMatchObject({ notifications: 13, eventsApplied: 12 });
  });

  test("following is a set, yet every follow is delivered; unfollowing a missing edge does nothing", async () => {
    const t = serve();
    const [one, two] = await t.users(1, 2);
    await t.sendOnce(
      "1|F|1|2",
      "2|F|1|2",
      "3|S|2", // one edge: delivered once
      "4|U|1|2",
      "5|S|2", // one unfollow removed the edge
      "6|U|1|2",
      "7|U|8|9",
      "8|F|1|2",
      "9|S|2",
      "10|B",
    );
    await waitForBarrier([one, two], "10|B");
    expect(one.received).toBe(crlf("3|S|2", "9|S|2", "10|B"));
    expect(two.received).toBe(crlf("1|F|1|2", "2|F|1|2", "8|F|1|2", "10|B"));
  });

  test("offline users get nothing, but the edges they made persist until they connect", async () => {
    const t = serve();
    const [one] = await t.users(1);
    await t.sendOnce("1|F|3|4", "2|P|1|3", "3|S|4", "4|B");
    await waitForBarrier([one], "4|B");

    const [three] = await t.users(3);
    await t.sendOnce("5|S|4", "6|B");
    await waitForBarrier([one, three], "6|B");
    expect(three.received).toBe(crlf("5|S|4", "6|B"));

    three.end();
    await t.waitStats((s) => s.clients === 1, "user 3 to disconnect");
    await t.sendOnce("7|S|4", "8|B");
    await waitForBarrier([one], "8|B");
    const [threeAgain] = await t.users(3);
    await t.sendOnce("9|S|4", "10|B");
    await waitForBarrier([one, threeAgain], "10|B");

    expect(threeAgain.received).toBe(crlf("9|S|4", "10|B"));
    expect(one.received).toBe(crlf("4|B", "6|B", "8|B", "10|B"));
  });

  test("every connection of a user receives its notifications; one leaving does not affect the other", async () => {
    const t = serve();
    const [first, second, other] = await t.users(1, 1, 2);
    expect(t.stats()).toMatchObject({ clients: 3, users: 2 });
    await t.sendOnce("1|P|2|1", "2|F|1|2", "3|S|2", "4|B");
    await waitForBarrier([first, second, other], "4|B");

    second.terminate();
    await t.waitStats((s) => s.clients === 2, "the second connection of user 1 to be gone");
    await t.sendOnce("5|P|2|1", "6|B");
    await waitForBarrier([first, other], "6|B");

    expect(first.received).toBe(crlf("1|P|2|1", "3|S|2", "4|B", "5|P|2|1", "6|B"));
    expect(second.received).toBe(crlf("1|P|2|1", "3|S|2", "4|B"));
    expect(other.received).toBe(crlf("2|F|1|2", "4|B", "6|B"));
    expect(t.stats()).toMatchObject({ clients: 2, users: 2 });
  });
});

describe("bad event input", () => {
  test("drops malformed lines, keeping the place of those whose sequence number is readable", async () => {
    const t = serve();
    const [one, two] = await t.users(1, 2);
    const keptPlace = ["3|X|1|2", "5|F|1", "6|P|a|2", "7|B|1", "8|S|2147483648", "9|F|1|2|3", "10|FF|1|2", "11|P|1|-2"];
    const unreadable = ["", "x|B", "0|B", "9007199254740992|B", "|B", "-1|B"];
    const source = await t.source();
    await source.send(crlf("1|B", "2|B", ...keptPlace.slice(0, 1), "4|B", ...keptPlace.slice(1), ...unreadable, "12|B"));
    await waitForBarrier([one, two], "12|B");
    expect(one.received).toBe(crlf("1|B", "2|B", "4|B", "12|B"));
    expect(two.received).toBe(one.received);
    expect(t.stats()).toMatchObject({ malformed: keptPlace.length + unreadable.length, eventsApplied: 12, nextSeq: 13, linesRead: 18 });

    // A bad line that arrives early still holds its number until the gap before it fills.
    await source.send(crlf("15|B", "14|Q", "13|B"));
    await waitForBarrier([one, two], "15|B");
    expect(one.received).toBe(crlf("1|B", "2|B", "4|B", "12|B", "13|B", "15|B"));
    expect(t.stats()).toMatchObject({ malformed: 15, eventsApplied: 15, pending: 0 });
    // Logged, but at most a burst of 10 per window: bad input must not flood the log.
    expect(logLines(t, /malformed event line/)).toHaveLength(10);
    expect(source.closed).toBe(false);
  });

  test("discards lines over the maximum length up to their terminator, even across reads", async () => {
    const t = serve({ maxLineBytes: 32 });
    const [client] = await t.users(1);
    const longest = paddedPrivate(2, 9, 1, 32);
    const source = await t.source();
    const pieces = [`1|B\r\n${longest}\r\n${"x".repeat(33)}\r\n${"y".repeat(2000)}`, `${"y".repeat(3000)}\r\n${"z".repeat(100)}\r`, "\n3|B\r\n"];
    const after = [
      { linesRead: 2, oversized: 1 },
      { linesRead: 2, oversized: 2 },
      { linesRead: 3, oversized: 3 },
    ];
    for (const [i, piece] of pieces.entries()) {
      await source.send(piece);
      await t.waitStats((s) => s.linesRead === after[i].linesRead && s.oversized === after[i].oversized, `piece ${i} to be read`);
    }
    await waitForBarrier([client], "3|B");
    expect(client.received).toBe(crlf("1|B", longest, "3|B"));
    expect(t.stats()).toMatchObject({ oversized: 3, malformed: 0, eventsApplied: 3 });
    // The terminator is not part of a line's length, even when its CR and LF arrive in different reads.
    expect(logLines(t, /over --max-line-bytes/).map((line) => /of (\d+) bytes/.exec(line)?.[1])).toEqual(["33", "5000", "100"]);
    expect(source.closed).toBe(false);
  });

  test("drops duplicates, whether already delivered or already waiting", async () => {
    const t = serve();
    const [client] = await t.users(1);
    const source = await t.source();
    await source.send(crlf("1|B"));
    await waitForBarrier([client], "1|B");
    await source.send(crlf("1|B", "3|B", "3|B", "2|B", "4|B"));
    await waitForBarrier([client], "4|B");
    expect(client.received).toBe(crlf("1|B", "2|B", "3|B", "4|B"));
    expect(t.stats()).toMatchObject({ duplicates: 2, eventsApplied: 4, pending: 0 });
  });
});

describe("user client handshake", () => {
  test.each([
    ["a non-numeric id", "abc\r\n"],
    ["a negative id", "-1\r\n"],
    ["an id above 2^31-1", "2147483648\r\n"],
    ["an empty line", "\r\n"],
    ["two numbers", "1 2\r\n"],
    ["digits then letters", "12a\r\n"],
    ["a line over the maximum length", `${"1".repeat(40)}\r\n`],
  ])("disconnects and counts a client that sends %s", async (_, handshake) => {
    const t = serve({ maxLineBytes: 32 });
    const client = await t.rawClient(handshake);
    await waitFor(() => client.closed, "the server to close the connection");
    expect(client.received).toBe("");
    expect(t.stats()).toMatchObject({ badHandshakes: 1, handshakeTimeouts: 0, clients: 0 });
    expect(logLines(t, /disconnected: bad handshake/)).toHaveLength(1);
  });

  test.each([
    ["the lowest id", "0\r\n", 0],
    ["the highest id", "2147483647\r\n", 2147483647],
    ["leading zeros and a bare LF", "007\n", 7],
  ])("accepts %s and ignores anything sent after it", async (_, handshake, id) => {
    const t = serve();
    const client = await t.rawClient(handshake);
    await t.waitStats((s) => s.clients === 1, "the client to be registered");
    client.write("not an id\r\n-5\r\n");
    await t.sendOnce(`1|P|5|${id}`, "2|B");
    await waitForBarrier([client], "2|B");
    expect(client.received).toBe(crlf(`1|P|5|${id}`, "2|B"));
    expect(client.closed).toBe(false);
    expect(t.stats()).toMatchObject({ badHandshakes: 0, handshakeTimeouts: 0, clients: 1 });
  });

  test.each([
    ["sends nothing", null],
    ["never ends its first line", "12"],
  ])("disconnects a client that %s once the handshake timeout passes", async (_, handshake) => {
    const t = serve({ handshakeTimeoutMs: 100 });
    const started = performance.now();
    const client = await t.rawClient(handshake);
    await waitFor(() => client.closed, "the server to close the connection");
    // Timers may fire a hair early by the wall clock, never by 10 ms.
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
    expect(t.stats()).toMatchObject({ handshakeTimeouts: 1, badHandshakes: 0, clients: 0 });
    expect(logLines(t, /disconnected: handshake timeout/)).toHaveLength(1);
  });
});

describe("slow and vanishing clients", () => {
  test("a client that floods after its handshake is cut off: 200 MB sent, a few MB at most accepted", async () => {
    const t = serve();
    const total = 200 * 1024 * 1024;
    const chunk = new Uint8Array(1024 * 1024).fill(0x41);
    let accepted = 0;
    const closed = Promise.withResolvers<void>();
    const pump = (socket: Socket<undefined>) => {
      while (accepted < total) {
        const written = socket.write(chunk);
        if (written < 0) return;
        accepted += written;
        if (written < chunk.length) return;
      }
      socket.end();
    };
    await Bun.connect({
      hostname: HOST,
      port: t.server.clientPort,
      socket: {
        open(socket) {
          socket.write("1\r\n");
          pump(socket);
        },
        drain: pump,
        data() {},
        close: () => closed.resolve(),
        error() {},
      },
    });
    await closed.promise;
    // What the kernel buffers hold on loopback, plus the bound the server reads up to.
    expect(accepted).toBeLessThan(16 * 1024 * 1024);
    expect(t.stats()).toMatchObject({ floodDisconnects: 1, closedDisconnects: 0, clients: 0 });
    expect(logLines(t, /\(user 1\) disconnected: sent over 65536 bytes after its handshake/)).toHaveLength(1);
  });

  test("a client may send a little after its handshake: it is ignored and the client stays", async () => {
    const t = serve();
    const [client] = await t.users(1);
    client.write("hello\r\n".repeat(1000));
    await t.sendOnce("1|B");
    await waitForBarrier([client], "1|B");
    expect(t.stats()).toMatchObject({ floodDisconnects: 0, clients: 1 });
  });

  test("disconnects a client that does not read, without holding up one that does", async () => {
    const maxClientBuffer = 256 * 1024;
    const t = serve({ maxLineBytes: 65_536, maxClientBuffer });
    const slow = await t.user(9, { paused: true });
    const [reader] = await t.users(1);
    const source = await t.source();
    // Both get the same volume, a little per read (well under the bound), so only
    // not reading can fill the kernel buffers and then the server's own bound.
    let seq = 0;
    const toReader: string[] = [];
    while (t.stats().slowDisconnects === 0) {
      if (seq > 2_000) throw new Error(`slow client never disconnected: ${JSON.stringify(t.stats())}`);
      const batch = [paddedPrivate(++seq, 2, 9, 60_000), paddedPrivate(++seq, 2, 1, 60_000), `${++seq}|B`];
      toReader.push(batch[1], batch[2]);
      await source.send(crlf(...batch));
      await t.waitStats((s) => s.linesRead === seq, `${seq} lines read`);
    }
    await waitFor(() => slow.closed, "the slow client's connection to close");
    await source.send(crlf(`${++seq}|B`));
    toReader.push(`${seq}|B`);
    await waitForBarrier([reader], `${seq}|B`);

    expectStream(reader, crlf(...toReader));
    // More than the bound got through to the reader, so it was the slow one's not reading that counted.
    expect(reader.received.length).toBeGreaterThan(4 * maxClientBuffer);
    expect(t.stats()).toMatchObject({ slowDisconnects: 1, clients: 1, users: 1, eventsApplied: seq });
    expect(logLines(t, new RegExp(`user 9\\) disconnected: not reading, over ${maxClientBuffer} bytes`))).toHaveLength(1);
  });

  test("a client vanishing mid-stream costs nothing but its own connection", async () => {
    const t = serve();
    const [one, two, three] = await t.users(1, 2, 3);
    const source = await t.source();
    await source.send(crlf(...broadcasts(1, 500)));
    await waitForBarrier([two], "500|B");
    two.terminate();
    // Sent without waiting for the server to notice, so it may still be writing to the dead socket.
    await source.send(crlf(...broadcasts(501, 1000)));
    await waitForBarrier([one, three], "1000|B");

    const all = crlf(...broadcasts(1, 1000));
    expect(one.received).toBe(all);
    expect(three.received).toBe(all);
    expect(two.received).toBe(crlf(...broadcasts(1, 500)));
    await t.waitStats((s) => s.clients === 2, "the vanished client to be forgotten");
    expect(t.stats()).toMatchObject({ eventsApplied: 1000, slowDisconnects: 0 });
    expect(logLines(t, / error /)).toEqual([]);
  });
});

describe("event sources", () => {
  test("keeps the next sequence number, held events and the follower graph across reconnects", async () => {
    const t = serve();
    const [one, two, three] = await t.users(1, 2, 3);
    await t.sendOnce("1|F|1|2", "2|F|3|2", "3|B", "4|P|1|3", "5|F|2|1", "6|U|3|2", "9|S|1");
    expect(t.stats()).toMatchObject({ nextSeq: 7, pending: 1, eventSources: 0 });
    await t.sendOnce("7|S|2", "8|B", "10|F|3|1", "11|S|1", "12|B");
    await waitForBarrier([one, two, three], "12|B");

    expect(one.received).toBe(crlf("3|B", "5|F|2|1", "7|S|2", "8|B", "10|F|3|1", "12|B"));
    expect(two.received).toBe(crlf("1|F|1|2", "2|F|3|2", "3|B", "8|B", "9|S|1", "11|S|1", "12|B"));
    expect(three.received).toBe(crlf("3|B", "4|P|1|3", "8|B", "11|S|1", "12|B"));
  });

  test("feeds one sequence space from two sources at once", async () => {
    const t = serve();
    const online = [1, 2, 3, 4, 5];
    const clients = await t.users(...online);
    const prng = new Prng(77);
    const events = [...randomEvents(prng, 120), "121|B"];
    const odd = prng.shuffle(events.filter((_, i) => i % 2 === 0));
    const even = prng.shuffle(events.filter((_, i) => i % 2 === 1));
    const [a, b] = [await t.source(), await t.source()];
    for (let round = 0; round < 4; round++) {
      await b.send(crlf(...even.slice(round * 15, round * 15 + 15)));
      await a.send(crlf(...odd.slice(round * 16, round * 16 + 16)));
    }
    expect(t.stats().eventSources).toBe(2);
    await waitForBarrier(clients, "121|B");
    const expected = expectedStreams(events, online);
    for (const [i, user] of online.entries()) expect(clients[i].received).toBe(expected.get(user) as string);
    expect(t.stats()).toMatchObject({ eventsApplied: 121, pending: 0, duplicates: 0 });
  });

  test.each([
    ["closes", (source: EventSource) => source.end()],
    ["is reset", (source: EventSource) => source.terminate()],
  ])("drops and counts the unfinished last line of a source that %s", async (_, disconnect) => {
    const t = serve();
    const [client] = await t.users(1);
    const source = await t.source();
    await source.send("1|B\r\n2|P|5|1\r\n3|P|1");
    await t.waitStats((s) => s.linesRead === 2, "the complete lines to be read");
    await disconnect(source);
    await t.waitStats((s) => s.eventSources === 0 && s.truncated === 1, "the server to see the source go");
    await t.sendOnce("3|B");
    await waitForBarrier([client], "3|B");

    expect(client.received).toBe(crlf("1|B", "2|P|5|1", "3|B"));
    expect(t.stats()).toMatchObject({ truncated: 1, malformed: 0, eventsApplied: 3 });
    expect(logLines(t, /closed in the middle of a line: dropped its last 5 bytes/)).toHaveLength(1);
  });

  test.each([
    ["a source connected before the pause", true],
    ["a source that connects during the pause", false],
  ])("pauses reading when the reorder buffer is full and resumes once %s fills the gap", async (_, connectFirst) => {
    const t = serve({ maxPending: 10 });
    const [client] = await t.users(1);
    const last = 200_000;
    let gapSource: EventSource | undefined = connectFirst ? await t.source() : undefined;
    const ahead = await t.source();
    // Far more than one read: the server must stop reading, leaving the rest in TCP buffers.
    const written = ahead.send(crlf(...broadcasts(2, last)));
    await t.waitStats((s) => s.sourcesPaused, "the event sources to be paused");
    const paused = t.stats();
    expect(paused.pending).toBeGreaterThanOrEqual(10);
    expect(paused.pending).toBe(paused.linesRead);
    expect(paused.linesRead).toBeLessThan(last / 2);
    expect(paused.eventsApplied).toBe(0);

    gapSource ??= await t.source();
    await gapSource.send(crlf("1|B"));
    await waitForBarrier([client], `${last}|B`, 10_000);
    await written;

    expectStream(client, crlf(...broadcasts(1, last)));
    expect(t.stats()).toMatchObject({ sourcesPaused: false, pending: 0, nextSeq: last + 1, eventsApplied: last, linesRead: last });
    expect(logLines(t, /reorder buffer full .*: pausing event sources/).length).toBeGreaterThanOrEqual(1);
  });

  test("skips a sequence number that never arrives once the gap timeout passes", async () => {
    const t = serve({ gapTimeoutMs: 100 });
    const [client] = await t.users(1);
    const source = await t.source();
    await source.send(crlf("2|B"));
    await waitForBarrier([client], "2|B");
    expect(t.stats()).toMatchObject({ skipped: 1, nextSeq: 3, pending: 0 });
    // A later gap gets its own full timeout, not what is left of the first one's.
    await source.send(crlf("4|P|5|1"));
    await waitForBarrier([client], "4|P|5|1");
    // Late arrivals of skipped numbers are duplicates: nothing is delivered out of order.
    await source.send(crlf("1|B", "3|B", "5|B"));
    await waitForBarrier([client], "5|B");

    expect(client.received).toBe(crlf("2|B", "4|P|5|1", "5|B"));
    expect(t.stats()).toMatchObject({ skipped: 2, duplicates: 2, nextSeq: 6 });
    expect(logLines(t, / error .*gap timeout/).map((line) => line.replace(/^.* error /, ""))).toEqual([
      "gap timeout: gave up waiting for sequence number 1; continuing at 2",
      "gap timeout: gave up waiting for sequence number 3; continuing at 4",
    ]);
  });
});

describe("shutdown", () => {
  /** Feeds long messages to `paused` until the server itself holds bytes for it (the kernel buffers are full). */
  async function queueUp(t: TestServer, source: EventSource, userId: number): Promise<string[]> {
    const sent: string[] = [];
    while (t.stats().queuedBytes === 0) {
      if (sent.length > 1_000) throw new Error(`nothing queued in the server: ${JSON.stringify(t.stats())}`);
      const batch: string[] = [];
      for (let i = 0; i < 16; i++) batch.push(paddedPrivate(sent.length + batch.length + 1, 2, userId, 60_000));
      sent.push(...batch);
      await source.send(crlf(...batch));
      await t.waitStats((s) => s.linesRead === sent.length, `${sent.length} lines read`);
    }
    return sent;
  }

  test("flushes everything queued for clients before closing them", async () => {
    const t = serve({ maxLineBytes: 65_536, maxClientBuffer: 256 * 1024 * 1024 });
    const behind = await t.user(1, { paused: true });
    const [upToDate] = await t.users(2);
    const source = await t.source();
    const sent = await queueUp(t, source, 1);
    const last = `${sent.length + 1}|B`;
    await source.send(crlf(last));
    await t.waitStats((s) => s.eventsApplied === sent.length + 1, "the last event to be applied");

    const done = t.server.shutdown(5_000);
    behind.resume();
    expect(await done).toBe(true);
    await waitFor(() => behind.closed && upToDate.closed, "both clients to be closed");

    expectStream(behind, crlf(...sent, last));
    expect(upToDate.received).toBe(crlf(last));
    expect(t.stats()).toMatchObject({ queuedBytes: 0, slowDisconnects: 0 });
  });

  test("ends as soon as the last backed-up client disconnects, not at the deadline", async () => {
    const t = serve({ maxLineBytes: 65_536, maxClientBuffer: 256 * 1024 * 1024 });
    const stuck = await t.user(1, { paused: true });
    const source = await t.source();
    await queueUp(t, source, 1);

    let ended = false;
    // Far longer than the wait below: only noticing the disconnect can end it in time.
    const done = t.server.shutdown(600_000).then((flushed) => {
      ended = true;
      return flushed;
    });
    stuck.terminate();
    await waitFor(() => ended, "the shutdown to end once nothing is owed");
    // Nothing is owed to a client that left, so nothing was left unsent.
    expect(await done).toBe(true);
    expect(t.stats()).toMatchObject({ queuedBytes: 0, clients: 0 });
  });

  test("gives up on a client that has not taken its queue when the deadline passes", async () => {
    const t = serve({ maxLineBytes: 65_536, maxClientBuffer: 256 * 1024 * 1024 });
    const stuck = await t.user(1, { paused: true });
    const source = await t.source();
    const sent = await queueUp(t, source, 1);

    const started = performance.now();
    expect(await t.server.shutdown(100)).toBe(false);
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
    // Only reading shows the client the end of its stream.
    stuck.resume();
    await waitFor(() => stuck.closed, "the stuck client to see its connection close");
    const all = crlf(...sent);
    expect(stuck.received.length).toBeLessThan(all.length);
    expect(all.startsWith(stuck.received)).toBe(true);
    expect(t.stats().clients).toBe(0);
  });
});
