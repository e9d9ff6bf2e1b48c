import { describe, expect, test } from "bun:test";
import { EDGE_FLAGS, SEQUENCER_FLAGS, SNAPSHOT_EVERY } from "./cluster-flags.ts";
import { parseFlags } from "./flags.ts";
import { SERVE_FLAGS } from "./serve-flags.ts";

function problem(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("accepted");
}

describe("cluster flags", () => {
  test("each role has serve's flags for its own stage, with serve's defaults, and none of the other's", () => {
    expect(SEQUENCER_FLAGS["event-port"]).toBe(SERVE_FLAGS["event-port"]);
    expect(EDGE_FLAGS["client-port"]).toBe(SERVE_FLAGS["client-port"]);
    expect("client-port" in SEQUENCER_FLAGS || "client-secret" in SEQUENCER_FLAGS || "max-client-buffer" in SEQUENCER_FLAGS).toBe(false);
    expect("event-port" in EDGE_FLAGS || "source-secret" in EDGE_FLAGS || "gap-timeout" in EDGE_FLAGS || "snapshot-every" in EDGE_FLAGS).toBe(false);
    expect("tls-ports" in SEQUENCER_FLAGS || "tls-ports" in EDGE_FLAGS).toBe(false);
  });

  test("--redis, --stream and --snapshot-every, from flags or the environment", () => {
    const { values } = parseFlags(SEQUENCER_FLAGS, ["--redis", "redis://10.0.0.1:6380/2"], {
      FOLLOWER_MAZE_STREAM: "blue",
      FOLLOWER_MAZE_REDIS_PASSWORD: "pw",
    });
    expect(values).toMatchObject({ redis: "redis://10.0.0.1:6380/2", stream: "blue", "redis-password": "pw", "snapshot-every": SNAPSHOT_EVERY });
    expect(parseFlags(EDGE_FLAGS, [], {}).values).toMatchObject({ redis: null, stream: "follower-maze" });
  });

  test("--redis-ca names a file, from the flag or FOLLOWER_MAZE_REDIS_CA; it is read later, once the URL is known to be rediss://", () => {
    expect(parseFlags(SEQUENCER_FLAGS, ["--redis-ca", "ca.pem"], {}).values["redis-ca"]).toBe("ca.pem");
    expect(parseFlags(EDGE_FLAGS, [], { FOLLOWER_MAZE_REDIS_CA: "/etc/redis/ca.pem" }).values["redis-ca"]).toBe("/etc/redis/ca.pem");
    expect(parseFlags(EDGE_FLAGS, [], {}).values["redis-ca"]).toBeNull();
    expect(problem(() => parseFlags(EDGE_FLAGS, ["--redis-ca", ""], {}))).toMatch(/^--redis-ca: expected a file name/);
  });

  test("bad values name the flag and never show a password", () => {
    expect(problem(() => parseFlags(EDGE_FLAGS, ["--redis", "redis://:hunter2@h:99999"], {}))).toMatch(/^--redis: expected a port from 1 to 65535/);
    expect(problem(() => parseFlags(EDGE_FLAGS, ["--redis", "redis://:hunter2@h:99999"], {}))).not.toContain("hunter2");
    expect(problem(() => parseFlags(EDGE_FLAGS, ["--stream", "a b"], {}))).toMatch(/^--stream: expected 1 to 128 letters/);
    expect(problem(() => parseFlags(SEQUENCER_FLAGS, ["--snapshot-every", "10"], {}))).toMatch(/^--snapshot-every: expected/);
  });
});
