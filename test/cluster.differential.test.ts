/**
 * Differential test: the same seeded workload, reordered, with duplicates
 * and malformed lines, sent byte for byte to `serve` and to a cluster of one
 * sequencer and three edges with the users spread over the edges. Every
 * user's connection must receive exactly the same bytes from both (and what
 * the reference model says). A failure is replayed by its seed.
 *
 * The sequencer trims the stream at each snapshot up to the one before, and an
 * edge the trim passes rebuilds and drops its clients (the README's cluster
 * fault table), which would end this comparison: so the cluster gets the
 * stream in parts well under a snapshot interval, each once every edge has
 * applied the one before, and no edge is ever that far behind.
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { Prng } from "../src/simulate/prng.ts";
import { startEdge, startSequencer, stopClusterProcesses, waitForClients } from "./support/cluster-process.ts";
import { crlf, EventSource, expectStream, UserClient, waitFor, waitForBarrier } from "./support/net-harness.ts";
import { RedisServer, stopRedisServers } from "./support/redis-server.ts";
import { ReferenceModel } from "./support/reference-model.ts";
import { scrape } from "./support/scrape.ts";
import { type ServerProcess, startServer } from "./support/server-process.ts";

afterEach(stopClusterProcesses);
afterAll(stopRedisServers);

let serve: ServerProcess | null = null;
afterEach(async () => {
  await serve?.stop("SIGKILL");
  serve = null;
});

/** A stream of `events` events over `users` users, shuffled within windows, with copies and bad lines mixed in; ends with a broadcast barrier. */
function workload(seed: number, events: number, users: number): { lines: string[]; barrier: string } {
  const prng = new Prng(seed);
  const lines: string[] = [];
  for (let seq = 1; seq <= events; seq++) {
    const a = 1 + prng.int(users);
    const b = 1 + prng.int(users);
    const pick = prng.int(100);
    if (pick < 35) lines.push(`${seq}|F|${a}|${b}`);
    else if (pick < 45) lines.push(`${seq}|U|${a}|${b}`);
    else if (pick < 80) lines.push(`${seq}|S|${a}`);
    else if (pick < 92) lines.push(`${seq}|P|${a}|${b}`);
    else if (pick < 96) lines.push(`${seq}|B`);
    else lines.push(`${seq}|X|${a}`);
  }
  // Reorder within windows of 50, as several producers would.
  for (let start = 0; start < lines.length; start += 50) {
    const end = Math.min(lines.length, start + 50);
    for (let i = end - 1; i > start; i--) {
      const j = start + prng.int(i - start + 1);
      [lines[i], lines[j]] = [lines[j] as string, lines[i] as string];
    }
  }
  const mixed: string[] = [];
  for (const line of lines) {
    mixed.push(line);
    if (prng.chance(0.02)) mixed.push(lines[prng.int(lines.length)] as string);
    if (prng.chance(0.01)) mixed.push("not an event");
  }
  const barrier = `${events + 1}|B`;
  mixed.push(barrier);
  return { lines: mixed, barrier };
}

const SNAPSHOT_EVERY = 5_000;
/** Lines the cluster gets at a time: with the reorder window of 50, a part ends well under SNAPSHOT_EVERY events past what every edge has applied. */
const PART_LINES = 2_000;

/** Sends `text` in odd chunk sizes, so lines straddle reads. */
async function send(source: EventSource, text: string): Promise<void> {
  for (let at = 0; at < text.length; at += 7_001) await source.send(text.slice(at, at + 7_001));
}

async function deliver(port: number, text: string): Promise<void> {
  const source = await EventSource.connect(port);
  await send(source, text);
  await source.end();
}

type Edge = Awaited<ReturnType<typeof startEdge>>;

/** What the edges logged: it explains a cluster that stopped short (a rebuild, a lost connection). */
const edgeLogs = (edges: Edge[]) => edges.map((edge, i) => `edge ${i} logged:\n${edge.process.stderr()}`).join("\n");

/**
 * Sends `lines` to the sequencer part by part, pushing each into `model` as
 * it goes; before each part, waits for every edge to apply all that the parts
 * before it complete (as the model applies them).
 */
async function deliverInParts(port: number, lines: string[], edges: Edge[], model: ReferenceModel): Promise<void> {
  const source = await EventSource.connect(port);
  for (let at = 0; at < lines.length; at += PART_LINES) {
    const applied = model.next - 1;
    await waitFor(
      async () => {
        for (const edge of edges) if ((await scrape(edge.metricsPort))("follower_maze_edge_applied_sequence_number") < applied) return false;
        return true;
      },
      `every edge to apply up to ${applied}`,
      20_000,
      () => edgeLogs(edges),
    );
    const part = crlf(...lines.slice(at, at + PART_LINES));
    model.push(part);
    await send(source, part);
  }
  await source.end();
}

describe("cluster vs serve", () => {
  test.each([1, 2])(
    "seed %d: every user gets the same bytes from serve and from sequencer + 3 edges",
    async (seed) => {
      const users = 60;
      const { lines, barrier } = workload(seed, 20_000, users);
      const redis = await RedisServer.start();
      const sequencer = await startSequencer(redis.url, ["--snapshot-every", String(SNAPSHOT_EVERY)]);
      const edges = await Promise.all([startEdge(redis.url), startEdge(redis.url), startEdge(redis.url)]);
      serve = await startServer(undefined, ["--metrics-port", "0"]);
      const ids = Array.from({ length: users }, (_, i) => i + 1);
      const served = await Promise.all(ids.map((id) => UserClient.connect((serve as ServerProcess).clientPort, `${id}\r\n`, { label: `serve user ${id}` })));
      const clustered = await Promise.all(
        ids.map((id, i) => UserClient.connect((edges[i % 3] as { clientPort: number }).clientPort, `${id}\r\n`, { label: `edge ${i % 3} user ${id}` })),
      );
      // A user gets the events applied after its handshake was read: wait for all of them on every server.
      await waitForClients(serve.metricsPort as number, users);
      await Promise.all(edges.map((edge) => waitForClients(edge.metricsPort, users / 3)));
      const model = new ReferenceModel({ delimiter: "|", startSeq: 1, maxLineBytes: 1024 });
      const connections = ids.map((id) => model.connect(id));
      await Promise.all([deliver(serve.eventPort, crlf(...lines)), deliverInParts(sequencer.eventPort, lines, edges, model)]);
      await waitForBarrier(served, barrier, 20_000);
      await waitForBarrier(clustered, barrier, 20_000).catch((error: Error) => {
        throw new Error(`${error.message}\n${edgeLogs(edges)}`);
      });
      for (const [i, client] of clustered.entries()) {
        expectStream(client, (served[i] as UserClient).received);
        expectStream(client, model.expectedBytes(connections[i] as number));
      }
      expect(served.reduce((bytes, client) => bytes + client.received.length, 0)).toBeGreaterThan(100_000);
    },
    60_000,
  );
});
