import { describe, expect, test } from "bun:test";
import { parseRedisUrl } from "./redis-url.ts";

function refusal(raw: string, env: string | null = null): string {
  try {
    parseRedisUrl(raw, env);
  } catch (problem) {
    return (problem as Error).message;
  }
  throw new Error(`${raw} was accepted`);
}

describe("parseRedisUrl", () => {
  test("host, port and database, with defaults", () => {
    expect(parseRedisUrl("redis://10.0.0.5:6380/3")).toMatchObject({ host: "10.0.0.5", port: 6380, db: 3, tls: false, password: null });
    expect(parseRedisUrl("redis://cache")).toMatchObject({ host: "cache", port: 6379, db: 0, url: "redis://cache:6379/0" });
    expect(parseRedisUrl("redis://[::1]:7000/")).toMatchObject({ host: "[::1]", port: 7000, db: 0 });
  });

  test("rediss:// is TLS", () => {
    expect(parseRedisUrl("rediss://cache:6390")).toMatchObject({ tls: true, url: "rediss://cache:6390/0" });
  });

  test("a password in the URL is decoded, kept for the client and redacted for logs", () => {
    const target = parseRedisUrl("redis://:p%40ss%3Aword@127.0.0.1:6379/1");
    expect(target.password).toBe("p@ss:word");
    expect(target.url).toBe("redis://:p%40ss%3Aword@127.0.0.1:6379/1");
    expect(target.redacted).toBe("redis://:***@127.0.0.1:6379/1");
  });

  test("the password may come from the environment instead", () => {
    const target = parseRedisUrl("redis://127.0.0.1:6379", "s3cret/+");
    expect(target.password).toBe("s3cret/+");
    expect(target.url).toBe("redis://:s3cret%2F%2B@127.0.0.1:6379/0");
    expect(target.redacted).not.toContain("s3cret");
    expect(parseRedisUrl("redis://127.0.0.1", "").password).toBeNull();
  });

  test("a password given twice is refused", () => {
    expect(refusal("redis://:a@h:1", "b")).toContain("give it once");
  });

  test.each([
    ["http://h:6379", "expected redis://"],
    ["redis://", "expected host:port"],
    ["redis://h:0", "port from 1 to 65535"],
    ["redis://h:70000", "port from 1 to 65535"],
    ["redis://h:port", "expected host:port"],
    ["redis://h:1/x", "expected host:port"],
    ["redis://user:pw@h:1", "a user name is not supported"],
    ["redis://:@h:1", "empty"],
    ["redis://:%zz@h:1", "percent-encoding"],
  ])("%s is refused (%s)", (raw, message) => {
    expect(refusal(raw)).toContain(message);
  });

  test("no refusal quotes the password", () => {
    for (const raw of ["http://:hunter2@h", "redis://:hunter2@h:99999", "redis://:hunter2@h:1/x"]) expect(refusal(raw)).not.toContain("hunter2");
  });
});
