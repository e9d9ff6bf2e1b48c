import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { RedisServer, stopRedisServers } from "../../test/support/redis-server.ts";
import { closeLinks, connect, edgesOf, expectedLines, feed, keys, sequencer, storedLines } from "../../test/support/stream-fixture.ts";
import { Lease } from "./lease.ts";
import { decodeSnapshot } from "./snapshot.ts";
import { streamTop } from "./stream-reader.ts";
import { takeOver } from "./takeover.ts";

afterAll(stopRedisServers);
afterEach(closeLinks);

describe("takeOver and StreamAppender", () => {
  test("an empty Redis gets an epoch, the delimiter and an empty snapshot before the first number", async () => {
    const redis = await RedisServer.start();
    const { link, state } = await sequencer(redis);
    expect(state.top).toBe(0);
    expect(state.snapshot).toBe(0);
    expect(await link.send("HGETALL", [keys.meta])).toEqual({ epoch: state.epoch, delimiter: "|" });
    const snapshot = decodeSnapshot((await link.call((client) => client.getBuffer(keys.snapshot))) as Uint8Array);
    expect(snapshot).toMatchObject({ seq: 0, epoch: state.epoch, edges: 0 });
  });

  test("appends every number once, in order, lines CRLF-terminated, no-ops and skips covered by the ranges", async () => {
    const redis = await RedisServer.start();
    const { link, state, appender, recorded } = await sequencer(redis);
    feed(appender, 1, 500, 9);
    appender.skipped(501, 510);
    appender.flush();
    await appender.drained();
    expect(recorded.appended).toBe(510);
    expect(appender.backlog).toBe(0);
    expect(await streamTop(link, keys)).toBe(510);
    const stored = await storedLines(link, state.epoch, 0);
    expect(stored.last).toBe(510);
    expect(stored.lines).toBe(expectedLines(1, 500));
  });

  test("snapshots every N numbers and trims what the previous snapshot covers; a new sequencer rebuilds the same graph", async () => {
    const redis = await RedisServer.start({ settings: ["--stream-node-max-entries", "1"] });
    const { link, state, appender, recorded } = await sequencer(redis, 100);
    feed(appender, 1, 450, 10);
    await appender.drained();
    expect(recorded.snapshots).toEqual([100, 200, 300, 400]);
    const snapshot = decodeSnapshot((await link.call((client) => client.getBuffer(keys.snapshot))) as Uint8Array);
    expect(snapshot.seq).toBe(400);
    // Trimmed below the snapshot before the last (300) + 1: what an edge reading snapshot 300 still needs survives.
    const first = (await link.send("XRANGE", [keys.events, "-", "+", "COUNT", "1"])) as [string, string[]][];
    expect(first[0]?.[1][1]).toBe("301");
    await appender.stop();
    await link.send("DEL", [keys.sequencer]);

    const next = await sequencer(redis, 100);
    expect(next.state).toMatchObject({ epoch: state.epoch, top: 450, snapshot: 400 });
    expect(edgesOf(next.state.graph)).toEqual(edgesOf(state.graph));
    expect(next.state.graph.edges).toBeGreaterThan(0);
  });

  test("Redis killed and restarted with AOF: appending pauses once, resumes, and nothing is lost or doubled", async () => {
    const redis = await RedisServer.start({ appendonly: true });
    const { link, state, appender, recorded } = await sequencer(redis, 1_000_000, 200);
    feed(appender, 1, 100, 10);
    await appender.drained();
    redis.kill();
    feed(appender, 101, 300, 10);
    expect(appender.full).toBe(true);
    await redis.restart();
    await link.whenUp();
    await appender.drained();
    feed(appender, 301, 320, 10);
    await appender.drained();
    expect(recorded.paused.filter((reason) => reason !== null)).toHaveLength(1);
    expect(recorded.paused.at(-1)).toBeNull();
    expect(recorded.rooms).toBe(1);
    expect(recorded.appended).toBe(320);
    const stored = await storedLines(link, state.epoch, 0);
    expect(stored.last).toBe(320);
    expect(stored.lines).toBe(expectedLines(1, 320));
  });

  test("an XADD whose reply was lost (Redis frozen past the deadline, then thawed) is found stored, not appended again", async () => {
    const redis = await RedisServer.start();
    const { link, state, appender, recorded } = await sequencer(redis, 1_000_000, 1_000, 200);
    process.kill(redis.pid as number, "SIGSTOP");
    try {
      feed(appender, 1, 50, 10);
      // The XADD went out; its reply cannot come before the deadline takes the link down.
      const deadline = Date.now() + 10_000;
      while (link.up && Date.now() < deadline) await Bun.sleep(10);
      expect(link.up).toBe(false);
    } finally {
      process.kill(redis.pid as number, "SIGCONT");
    }
    await appender.drained();
    feed(appender, 51, 60, 10);
    await appender.drained();
    expect(recorded.appended).toBe(60);
    const stored = await storedLines(link, state.epoch, 0);
    expect(stored.last).toBe(60);
    expect(stored.lines).toBe(expectedLines(1, 60));
  });

  test("a lost lease stops appending at once and says so", async () => {
    const redis = await RedisServer.start();
    const { link, appender, recorded } = await sequencer(redis);
    feed(appender, 1, 10, 10);
    await appender.drained();
    await link.send("SET", [keys.sequencer, "someone else"]);
    feed(appender, 11, 20, 10);
    await appender.drained();
    expect(recorded.lost).toHaveLength(1);
    expect(await streamTop(link, keys)).toBe(10);
    feed(appender, 21, 30, 10);
    await appender.drained();
    expect(await streamTop(link, keys)).toBe(10);
  });

  test("once stopped it writes nothing and queues nothing, however much it is given (the sequencer's warm-up runs through one)", async () => {
    const redis = await RedisServer.start();
    const { link, appender, recorded } = await sequencer(redis);
    await appender.stop();
    feed(appender, 1, 5_000, 50);
    await appender.drained();
    expect(appender.backlog).toBe(0);
    expect(appender.full).toBe(false);
    expect(recorded.appended).toBe(0);
    expect(await streamTop(link, keys)).toBe(0);
  });

  test("a different delimiter than the stream's is refused", async () => {
    const redis = await RedisServer.start();
    await sequencer(redis);
    const link = await connect(redis);
    const lease = new Lease(link, "other-lease", 10_000);
    expect(await lease.acquire()).toBe(true);
    await expect(takeOver(link, lease, keys, 0x2c, 1)).rejects.toThrow('the stream\'s lines use the delimiter "|", not --delimiter ","');
  });
});
