import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { RedisServer, stopRedisServers } from "../../test/support/redis-server.ts";
import { Logger } from "../log/logger.ts";
import { Lease, LeaseLostError } from "./lease.ts";
import { RedisLink } from "./redis-link.ts";
import { parseRedisUrl } from "./redis-url.ts";

afterAll(stopRedisServers);

let redis: RedisServer;
let link: RedisLink;
beforeAll(async () => {
  redis = await RedisServer.start();
  link = await RedisLink.open(parseRedisUrl(redis.url), new Logger("error"), { name: "test", commandTimeoutMs: 2_000 });
});
afterAll(() => link.close());

describe("Lease", () => {
  test("one holder at a time; a renewal keeps it, a release hands it on", async () => {
    const first = new Lease(link, "l1", 10_000);
    const second = new Lease(link, "l1", 10_000);
    expect(await first.acquire()).toBe(true);
    expect(await second.acquire()).toBe(false);
    expect(await first.renew()).toBe(true);
    expect(await second.renew()).toBe(false);
    await second.release();
    expect(await second.acquire()).toBe(false);
    await first.release();
    expect(await second.acquire()).toBe(true);
  });

  test("a lapsed lease can be taken over, and its old holder's renewal then fails", async () => {
    const old = new Lease(link, "l2", 50);
    const standby = new Lease(link, "l2", 10_000);
    expect(await old.acquire()).toBe(true);
    const deadline = Date.now() + 5_000;
    while (!(await standby.acquire())) {
      if (Date.now() > deadline) throw new Error("the lease never lapsed");
      await Bun.sleep(10);
    }
    expect(await old.renew()).toBe(false);
  });

  test("a fenced write happens only while the lease is ours, binary values intact", async () => {
    const holder = new Lease(link, "l3", 10_000);
    const other = new Lease(link, "l3", 10_000);
    expect(await holder.acquire()).toBe(true);
    const bytes = new Uint8Array([0, 0xff, 0x80, 13, 10]);
    expect(await holder.fenced("SET", "l3:value", [bytes])).toBe("OK");
    expect(await link.call((client) => client.getBuffer("l3:value"))).toEqual(Buffer.from(bytes));
    expect(await holder.fenced("XADD", "l3:events", ["5-0", "f", "5"])).toBe("5-0");
    await expect(other.fenced("XADD", "l3:events", ["6-0", "f", "6"])).rejects.toBeInstanceOf(LeaseLostError);
    // After a flush the lease is gone too: no write gets through.
    await link.send("DEL", ["l3"]);
    await expect(holder.fenced("XADD", "l3:events", ["7-0", "f", "7"])).rejects.toBeInstanceOf(LeaseLostError);
    expect(await link.send("XLEN", ["l3:events"])).toBe(1);
  });

  test("a fenced command's own error passes through as a server error", async () => {
    const holder = new Lease(link, "l4", 10_000);
    expect(await holder.acquire()).toBe(true);
    await holder.fenced("XADD", "l4:events", ["5-0", "f", "5"]);
    const refused = (await holder.fenced("XADD", "l4:events", ["5-0", "f", "5"]).catch((error) => error)) as Error & { code: string };
    expect(refused).not.toBeInstanceOf(LeaseLostError);
    expect(refused.message).toContain("equal or smaller than the target stream top item");
  });
});
