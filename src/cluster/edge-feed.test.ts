import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { RedisServer, stopRedisServers } from "../../test/support/redis-server.ts";
import { closeLinks, connect, expectedLines, feed, keys, PIPE, sequencer } from "../../test/support/stream-fixture.ts";
import { EdgeFeed, type EdgeFeedTarget } from "./edge-feed.ts";
import { FollowGraph } from "./follow-graph.ts";
import { catchUp, StreamBrokenError, StreamCursor } from "./stream-reader.ts";

afterAll(stopRedisServers);
afterEach(closeLinks);

/** What the feed did to the edge, as text: its builds, the lines it handed over, its readiness. */
class RecordingEdge implements EdgeFeedTarget {
  readonly builds: (string | null)[] = [];
  readonly states: string[] = [];
  graph = new FollowGraph();
  lines_ = "";
  delimiter = 0;

  rebuild(delimiter: number, why: string | null): void {
    this.builds.push(why);
    this.delimiter = delimiter;
    this.graph = new FollowGraph();
    this.lines_ = "";
  }
  follow(kind: number, from: number, to: number): void {
    this.graph.apply(kind, from, to);
  }
  lines(chunk: Uint8Array): void {
    this.lines_ += Buffer.from(chunk).toString("latin1");
  }
  flush(): void {}
  ready(): void {
    if (this.states.at(-1) !== "ready") this.states.push("ready");
  }
  unready(why: string): void {
    this.states.push(`unready: ${why}`);
  }
}

async function until(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(10);
  }
}

async function startFeed(redis: RedisServer, blockMs = 200) {
  const edge = new RecordingEdge();
  const notes: string[] = [];
  const commands = await connect(redis);
  const tailLink = await connect(redis, blockMs + 1_000);
  const edgeFeed = new EdgeFeed(commands, tailLink, keys, { count: 5, blockMs, pollMs: 20, clock: () => performance.now() }, edge, (note) => notes.push(note));
  const running = edgeFeed.run();
  return { edge, edgeFeed, running, notes };
}

describe("EdgeFeed", () => {
  test("waits for a sequencer, builds from the snapshot and the stream, then follows the tail", async () => {
    const redis = await RedisServer.start();
    const { edge, edgeFeed, running, notes } = await startFeed(redis);
    await until("the wait to be noted", () => notes.length > 0);
    expect(notes[0]).toContain("waiting for a sequencer");
    const { appender } = await sequencer(redis, 40);
    feed(appender, 1, 100, 7);
    await appender.drained();
    await until("the first build", () => edge.states.includes("ready"));
    expect(edge.builds).toEqual([null]);
    expect(edge.delimiter).toBe(PIPE);
    feed(appender, 101, 230, 3);
    await until("the tail", () => edgeFeed.stats.applied === 230);
    // Built on whichever snapshot was there when it looked: the lines after that one, then everything tailed.
    const firstSeq = Number(edge.lines_.split("|")[0]);
    expect(edge.lines_).toBe(expectedLines(firstSeq, 230));
    expect(firstSeq).toBeLessThanOrEqual(101);
    edgeFeed.stop();
    await running;
  });

  test("a flushed Redis and a new epoch: it rebuilds and says why", async () => {
    const redis = await RedisServer.start();
    const first = await sequencer(redis);
    feed(first.appender, 1, 20, 5);
    await first.appender.drained();
    const { edge, edgeFeed, running } = await startFeed(redis);
    await until("ready", () => edgeFeed.stats.applied === 20);
    await first.link.send("FLUSHALL", []);
    await until("the flush to be noticed", () => edge.builds.length === 2 || edgeFeed.stats.rebuilds > 0);
    const second = await sequencer(redis);
    feed(second.appender, 1, 30, 5);
    await second.appender.drained();
    await until("the rebuild", () => edge.builds.length === 2 && edgeFeed.stats.applied === 30);
    expect(edge.builds[1]).toMatch(/is gone|epoch changed/);
    expect(edge.lines_).toBe(expectedLines(1, 30));
    edgeFeed.stop();
    await running;
  });

  test("Redis restarted (AOF): unready once, ready again, and the stream continues without a loss", async () => {
    const redis = await RedisServer.start({ appendonly: true });
    const seq = await sequencer(redis);
    feed(seq.appender, 1, 20, 5);
    await seq.appender.drained();
    const { edge, edgeFeed, running } = await startFeed(redis);
    await until("ready", () => edgeFeed.stats.applied === 20);
    redis.kill();
    await until("unready", () => edge.states.some((state) => state.startsWith("unready")));
    feed(seq.appender, 21, 40, 5);
    await redis.restart();
    await seq.appender.drained();
    await until("the rest", () => edgeFeed.stats.applied === 40);
    expect(edge.states.filter((state) => state.startsWith("unready"))).toHaveLength(1);
    expect(edge.states.at(-1)).toBe("ready");
    expect(edge.builds).toEqual([null]);
    expect(edge.lines_).toBe(expectedLines(1, 40));
    edgeFeed.stop();
    await running;
  });
});

describe("continuity", () => {
  test("reading on from a position that was trimmed away is a broken stream, not a skip", async () => {
    const redis = await RedisServer.start({ settings: ["--stream-node-max-entries", "1"] });
    const { link, appender, state } = await sequencer(redis);
    // One entry per ten numbers: each batch is stored before the next is queued, so none are merged.
    for (let from = 1; from <= 50; from += 10) {
      feed(appender, from, from + 9, 10);
      await appender.drained();
    }
    await link.send("XTRIM", [keys.events, "MINID", "31-0"]);
    await expect(catchUp(link, keys, new StreamCursor(state.epoch, 10), 5, () => {})).rejects.toThrow(StreamBrokenError);
    await expect(catchUp(link, keys, new StreamCursor(state.epoch, 10), 5, () => {})).rejects.toThrow("continues at 31, not 11");
    await expect(catchUp(link, keys, new StreamCursor("0000000000000000", 30), 5, () => {})).rejects.toThrow("epoch changed");
  });
});
