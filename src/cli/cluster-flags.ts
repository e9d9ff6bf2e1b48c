import { parseRedisUrl } from "../cluster/redis-url.ts";
import { InvalidValueError } from "../errors.ts";
import type { Flag } from "./flags.ts";
import { SERVE_FLAGS } from "./serve-flags.ts";
import { file, integer, secret } from "./values.ts";

/**
 * Every existing flag that applies to a role keeps its meaning, help and
 * default by being `serve`'s own; the rest are the cluster's. A serve flag a
 * role lacks is a usage error there (commands.ts says which role has it).
 */
function pick<K extends keyof typeof SERVE_FLAGS>(...names: K[]): Pick<typeof SERVE_FLAGS, K> {
  return Object.fromEntries(names.map((name) => [name, SERVE_FLAGS[name]])) as Pick<typeof SERVE_FLAGS, K>;
}

/** The default --snapshot-every; README "Running a cluster" says why. */
export const SNAPSHOT_EVERY = 1_000_000;

const CLUSTER_FLAGS = {
  redis: {
    value: "URL",
    help: "the cluster's Redis: redis://[:password@]host:port[/db], rediss:// for TLS (required)",
    default: null,
    parse: (raw: string) => {
      // Checked here so a bad URL is a usage error naming the flag; the password is added later.
      parseRedisUrl(raw);
      return raw;
    },
    shownDefault: "none",
  } as Flag<string | null>,
  "redis-password": {
    value: "SECRET",
    help: "password for --redis, when the URL has none",
    default: null,
    parse: secret(1, 512),
    shownDefault: "none",
  } as Flag<string | null>,
  "redis-ca": {
    value: "FILE",
    help: "for rediss://: trust only the CAs in this PEM file (a private CA, or Redis's self-signed certificate)",
    default: null,
    parse: file,
    shownDefault: "none",
  } as Flag<string | null>,
  stream: {
    value: "NAME",
    help: "key prefix of this cluster in Redis: NAME:events, NAME:meta, NAME:snapshot, NAME:sequencer",
    default: "follower-maze",
    parse: (raw: string) => {
      if (!/^[\w.:-]{1,128}$/.test(raw)) throw new InvalidValueError(`expected 1 to 128 letters, digits or . _ : -, got ${JSON.stringify(raw)}`);
      return raw;
    },
  } as Flag<string>,
};

/** Every flag of `follower-maze sequencer`. */
export const SEQUENCER_FLAGS = {
  ...CLUSTER_FLAGS,
  "snapshot-every": {
    value: "N",
    help: "write the follower graph to Redis every N sequence numbers, then trim the stream",
    default: SNAPSHOT_EVERY,
    parse: integer(1_000, 1_000_000_000),
  } as Flag<number>,
  ...pick(
    "event-port",
    "metrics-port",
    "host",
    "tls-cert",
    "tls-key",
    "source-secret",
    "delimiter",
    "start-seq",
    "max-pending",
    "gap-timeout",
    "max-line-bytes",
    "handshake-timeout",
    "scheduler-slice",
    "code-pages-interval",
    "stats-interval",
    "log-level",
    "log-format",
  ),
  "shutdown-timeout": { ...SERVE_FLAGS["shutdown-timeout"], help: "on SIGINT/SIGTERM, time allowed to store the events already read" },
};

/** Every flag of `follower-maze edge`. */
export const EDGE_FLAGS = {
  ...CLUSTER_FLAGS,
  ...pick(
    "client-port",
    "ws-port",
    "metrics-port",
    "host",
    "tls-cert",
    "tls-key",
    "client-secret",
    "max-clients",
    "max-line-bytes",
    "handshake-timeout",
    "max-client-buffer",
    "shutdown-timeout",
    "scheduler-slice",
    "code-pages-interval",
    "stats-interval",
    "log-level",
    "log-format",
  ),
};
