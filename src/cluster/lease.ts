import type { RedisLink } from "./redis-link.ts";

/** Redis refused a fenced command because the lease is someone else's (or gone): this sequencer must stop writing. */
export class LeaseLostError extends Error {
  override readonly name = "LeaseLostError";
}

const LOST = "FMLEASE";

/*
 * Every write of the sequencer goes through this script, so it happens only
 * while the lease is still ours, checked by Redis in the same atomic step:
 * a sequencer that paused (GC, SIGSTOP, a partition) past its lease cannot
 * append after a standby has taken over, whatever its own clock says.
 * KEYS[1] the lease, KEYS[2] the key written; ARGV[1] our holder id,
 * ARGV[2] the command, the rest its arguments after the key.
 */
const FENCED = `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return redis.error_reply('${LOST} lease not held') end
return redis.call(ARGV[2], KEYS[2], unpack(ARGV, 3))`;

const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * `<prefix>:sequencer`: who may write the stream. Taken with SET NX PX,
 * renewed (only by its holder) well before it lapses, given back on a clean
 * stop so a standby need not wait out the TTL.
 */
export class Lease {
  readonly holder = crypto.randomUUID();

  constructor(
    private readonly link: RedisLink,
    readonly key: string,
    readonly ttlMs: number,
  ) {}

  /** True when the lease is now ours. */
  async acquire(): Promise<boolean> {
    return (await this.link.send("SET", [this.key, this.holder, "NX", "PX", String(this.ttlMs)])) === "OK";
  }

  /** True while it is still ours; false once it lapsed or someone else took it. */
  async renew(): Promise<boolean> {
    return (await this.link.send("EVAL", [RENEW, "1", this.key, this.holder, String(this.ttlMs)])) === 1;
  }

  async release(): Promise<void> {
    await this.link.send("EVAL", [RELEASE, "1", this.key, this.holder]);
  }

  /** `command key …args` if the lease is still ours, else LeaseLostError. Byte arrays go through unchanged. */
  async fenced(command: string, key: string, args: (string | Uint8Array)[]): Promise<unknown> {
    try {
      // Bun's send is typed for strings but writes a Uint8Array argument's bytes as they are (lease.test.ts).
      return await this.link.send("EVAL", [FENCED, "2", this.key, key, this.holder, command, ...(args as string[])]);
    } catch (error) {
      if (error instanceof Error && error.message.includes(LOST)) throw new LeaseLostError(`the lease ${this.key} is no longer ours`);
      throw error;
    }
  }
}
