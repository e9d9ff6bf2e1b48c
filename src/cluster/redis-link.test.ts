import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { RedisServer, stopRedisServers } from "../../test/support/redis-server.ts";
import { RedisConnectionError } from "../errors.ts";
import { Logger } from "../log/logger.ts";
import { RedisLink, RedisUnavailableError } from "./redis-link.ts";
import { parseRedisUrl } from "./redis-url.ts";

const lines: string[] = [];
const log = new Logger("debug", (line) => lines.push(line));
const links: RedisLink[] = [];

async function open(url: string, commandTimeoutMs = 2_000, password: string | null = null): Promise<RedisLink> {
  const link = await RedisLink.open(parseRedisUrl(url, password), log, {
    name: "test",
    commandTimeoutMs,
    retryMs: 20,
    maxRetryMs: 100,
    connectTimeoutMs: 1_000,
  });
  links.push(link);
  return link;
}

async function refusal(url: string, password: string | null = null): Promise<string> {
  try {
    await open(url, 2_000, password);
  } catch (error) {
    expect(error).toBeInstanceOf(RedisConnectionError);
    return (error as Error).message;
  }
  throw new Error("connected");
}

afterEach(() => {
  for (const link of links.splice(0)) link.close();
  lines.length = 0;
});

afterAll(stopRedisServers);

let redis: RedisServer;
let secured: RedisServer;
beforeAll(async () => {
  [redis, secured] = await Promise.all([RedisServer.start(), RedisServer.start({ password: "open sesame" })]);
});

describe("Bun's RedisClient replies, as the cluster code reads them", () => {
  test("stream, hash and SET NX shapes", async () => {
    const link = await open(redis.url);
    expect(await link.send("XADD", ["shapes", "5-0", "f", "5", "l", "5|B\r\n"])).toBe("5-0");
    const refused = (await link.send("XADD", ["shapes", "5-0", "f", "5", "l", ""]).catch((error) => error)) as Error & { code: string };
    expect(refused.code).toBe("ERR_REDIS_SERVER_ERROR");
    expect(refused.message).toContain("equal or smaller than the target stream top item");
    expect(await link.send("XRANGE", ["shapes", "(0-0", "+", "COUNT", "10"])).toEqual([["5-0", ["f", "5", "l", "5|B\r\n"]]]);
    expect(await link.send("XREAD", ["COUNT", "10", "STREAMS", "shapes", "0-0"])).toEqual({ shapes: [["5-0", ["f", "5", "l", "5|B\r\n"]]] });
    expect(await link.send("XREAD", ["COUNT", "10", "BLOCK", "10", "STREAMS", "shapes", "5-0"])).toBeNull();
    expect(await link.send("XINFO", ["STREAM", "shapes"])).toMatchObject({ "last-generated-id": "5-0", length: 1 });
    expect(await link.send("HSETNX", ["shapes:meta", "epoch", "a"])).toBe(1);
    expect(await link.send("HSETNX", ["shapes:meta", "epoch", "b"])).toBe(0);
    expect(await link.send("SET", ["shapes:lease", "me", "NX", "PX", "1000"])).toBe("OK");
    expect(await link.send("SET", ["shapes:lease", "you", "NX", "PX", "1000"])).toBeNull();
  });

  test("binary values come back intact only through getBuffer", async () => {
    const link = await open(redis.url);
    const bytes = new Uint8Array([0, 1, 0xff, 0xfe, 0x80]);
    await link.call((client) => client.set("binary", bytes));
    expect(await link.call((client) => client.getBuffer("binary"))).toEqual(Buffer.from(bytes));
    expect(await link.send("GET", ["binary"])).not.toBe(Buffer.from(bytes).toString("latin1"));
  });
});

describe("RedisLink", () => {
  test("an unreachable Redis, a wrong password and a missing one are each one clear line", async () => {
    const gone = await RedisServer.start();
    await gone.destroy();
    expect(await refusal(gone.url)).toMatch(/^cannot use Redis at redis:\/\/127\.0\.0\.1:\d+\/0: cannot connect/);
    const wrong = await refusal(secured.url, "not it");
    expect(wrong).toContain("authentication failed (wrong password)");
    expect(wrong).toContain(":***@");
    expect(wrong).not.toContain("not it");
    expect(await refusal(secured.url)).toContain("authentication required");
    const link = await open(secured.url, 2_000, "open sesame");
    expect(await link.send("PING", [])).toBe("PONG");
  });

  test("Redis killed and restarted: commands fail fast while it is down, the link comes back by itself, each change logged once", async () => {
    const own = await RedisServer.start();
    const link = await open(own.url);
    const changes: boolean[] = [];
    link.onChange = (up) => changes.push(up);
    expect(await link.send("SET", ["k", "v"])).toBe("OK");
    own.kill();
    await expect(link.send("GET", ["k"])).rejects.toBeInstanceOf(RedisUnavailableError);
    expect(link.up).toBe(false);
    await expect(link.send("GET", ["k"])).rejects.toBeInstanceOf(RedisUnavailableError);
    // Several failed reconnection attempts pass while it is down.
    await Bun.sleep(300);
    await own.restart();
    await link.whenUp();
    expect(await link.send("PING", [])).toBe("PONG");
    expect(changes).toEqual([false, true]);
    expect(lines.filter((line) => line.includes("connection lost"))).toHaveLength(1);
    expect(lines.filter((line) => line.includes("connected again"))).toHaveLength(1);
  });

  test("a Redis that stops answering (SIGSTOP) is a lost connection after the deadline, not a wait forever", async () => {
    const own = await RedisServer.start();
    const link = await open(own.url, 300);
    process.kill(own.pid as number, "SIGSTOP");
    try {
      const failure = (await link.send("PING", []).catch((error) => error)) as Error;
      expect(failure).toBeInstanceOf(RedisUnavailableError);
      expect(failure.message).toContain("no reply from Redis within 300 ms");
    } finally {
      process.kill(own.pid as number, "SIGCONT");
    }
    await link.whenUp();
    expect(await link.send("PING", [])).toBe("PONG");
  });

  test("close rejects whoever waits for the link", async () => {
    const own = await RedisServer.start();
    const link = await open(own.url);
    own.kill();
    await link.send("PING", []).catch(() => {});
    const waiting = link.whenUp();
    link.close();
    await expect(waiting).rejects.toBeInstanceOf(RedisUnavailableError);
  });
});
