import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { RedisServer, stopRedisServers } from "../../test/support/redis-server.ts";
import { certificateAuthority, selfSignedCertificate } from "../../test/support/self-signed.ts";
import { RedisConnectionError } from "../errors.ts";
import { Logger } from "../log/logger.ts";
import { RedisLink, RedisUnavailableError } from "./redis-link.ts";
import { parseRedisUrl } from "./redis-url.ts";

const lines: string[] = [];
const log = new Logger("debug", (line) => lines.push(line));
const links: RedisLink[] = [];

interface OpenOptions {
  commandTimeoutMs?: number;
  password?: string | null;
  /** --redis-ca's certificates. */
  ca?: string[] | null;
}

async function open(url: string, { commandTimeoutMs = 2_000, password = null, ca = null }: OpenOptions = {}): Promise<RedisLink> {
  const link = await RedisLink.open({ ...parseRedisUrl(url, password), ca }, log, {
    name: "test",
    commandTimeoutMs,
    retryMs: 20,
    maxRetryMs: 100,
    connectTimeoutMs: 1_000,
  });
  links.push(link);
  return link;
}

async function refusal(url: string, options: OpenOptions = {}): Promise<string> {
  try {
    await open(url, options);
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
    const wrong = await refusal(secured.url, { password: "not it" });
    expect(wrong).toContain("authentication failed (wrong password)");
    expect(wrong).toContain(":***@");
    expect(wrong).not.toContain("not it");
    expect(await refusal(secured.url)).toContain("authentication required");
    const link = await open(secured.url, { password: "open sesame" });
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
    const link = await open(own.url, { commandTimeoutMs: 300 });
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

describe('RedisLink over TLS (rediss://, README "Running a cluster": TLS to Redis)', () => {
  const authority = certificateAuthority();
  const stranger = certificateAuthority("another CA");
  let tlsRedis: RedisServer;
  beforeAll(async () => {
    tlsRedis = await RedisServer.start({ tls: authority.issue() });
  });

  test("a certificate of the CA given as --redis-ca, or a self-signed one given as itself, is trusted; streams work as over TCP", async () => {
    const link = await open(tlsRedis.url, { ca: [authority.cert] });
    expect(await link.send("XADD", ["tls", "1-0", "f", "1", "l", "1|B\r\n"])).toBe("1-0");
    expect(await link.send("XREAD", ["COUNT", "10", "STREAMS", "tls", "0-0"])).toEqual({ tls: [["1-0", ["f", "1", "l", "1|B\r\n"]]] });
    const self = selfSignedCertificate();
    const selfSigned = await RedisServer.start({ tls: self });
    expect(await (await open(selfSigned.url, { ca: [self.cert] })).send("PING", [])).toBe("PONG");
  });

  test("a certificate not trusted, or not for the host, is one line saying which, never a wait", async () => {
    const prefix = `cannot use Redis at rediss://127.0.0.1:${tlsRedis.port}/0: `;
    // Redis sends its certificate alone, so the check fails at its issuer.
    expect(await refusal(tlsRedis.url)).toBe(
      `${prefix}Redis's TLS certificate is not trusted (unable to verify the first certificate): for a private CA or a self-signed certificate, give it with --redis-ca`,
    );
    expect(await refusal(tlsRedis.url, { ca: [stranger.cert] })).toBe(
      `${prefix}Redis's TLS certificate is not signed by a CA in --redis-ca (unable to verify the first certificate)`,
    );
    const elsewhere = await RedisServer.start({ tls: authority.issue(["elsewhere.example"]) });
    expect(await refusal(elsewhere.url.replace("127.0.0.1", "localhost"), { ca: [authority.cert] })).toMatch(
      /: Redis's TLS certificate is not for localhost \(Hostname\/IP does not match certificate's altnames: .*DNS:elsewhere\.example\)$/,
    );
  });

  test("over TLS the refusal of a password is still told apart (the probe asks once the handshake is done)", async () => {
    const secret = await RedisServer.start({ tls: authority.issue(), password: "open sesame" });
    const wrong = await refusal(secret.url, { ca: [authority.cert], password: "not it" });
    expect(wrong).toBe(`cannot use Redis at rediss://:***@127.0.0.1:${secret.port}/0: authentication failed (wrong password)`);
    expect(await refusal(secret.url, { ca: [authority.cert] })).toContain("authentication required");
    expect(await (await open(secret.url, { ca: [authority.cert], password: "open sesame" })).send("PING", [])).toBe("PONG");
  });

  test("redis:// to a TLS port, and rediss:// to a plain one, say what is probably wrong", async () => {
    expect(await refusal(tlsRedis.url.replace("rediss:", "redis:"))).toContain(
      "it closed the connection without a reply: if the port is Redis's tls-port, use rediss://",
    );
    expect(await refusal(redis.url.replace("redis:", "rediss:"), { ca: [authority.cert] })).toContain("no TLS handshake: is the port Redis's tls-port?");
  });

  test("a Redis that wants a client certificate (tls-auth-clients yes, Redis's default) is told apart", async () => {
    const strict = await RedisServer.start({ tls: authority.issue(), clientCertificates: true });
    expect(await refusal(strict.url, { ca: [authority.cert] })).toContain(
      "it wants a client certificate, which follower-maze does not send: set Redis's tls-auth-clients to no or optional",
    );
  });

  test("Redis restarted: the link comes back over TLS, checking the certificate again", async () => {
    const own = await RedisServer.start({ tls: authority.issue() });
    const link = await open(own.url, { ca: [authority.cert] });
    own.kill();
    await expect(link.send("PING", [])).rejects.toBeInstanceOf(RedisUnavailableError);
    await own.restart();
    await link.whenUp();
    expect(await link.send("PING", [])).toBe("PONG");
    expect(lines.filter((line) => line.includes("connected again"))).toHaveLength(1);
  });
});
