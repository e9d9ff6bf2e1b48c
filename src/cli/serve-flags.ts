import { LOG_FORMATS, LOG_LEVELS } from "../log/logger.ts";
import { CODE_PAGES_PERIOD_MS } from "../runtime/code-pages.ts";
import type { Flag } from "./flags.ts";
import {
  bytes,
  codePagesInterval,
  delimiter,
  file,
  host,
  integer,
  milliseconds,
  oneOf,
  port,
  portOrOff,
  runningProcessId,
  schedulerSlice,
  secret,
  sequenceNumber,
  setOf,
} from "./values.ts";

const MiB = 1024 * 1024;

/** The ports TLS can be turned on for. */
export const TLS_PORTS = ["events", "clients"] as const;
export type TlsPort = (typeof TLS_PORTS)[number];

/** Every flag of `follower-maze serve`; --help and the README are generated from and checked against this table. */
export const SERVE_FLAGS = {
  "event-port": { value: "N", help: "port event sources connect to (0: any free port)", default: 9090, parse: port } as Flag<number>,
  "client-port": { value: "N", help: "port user clients connect to (0: any free port)", default: 9099, parse: port } as Flag<number>,
  "metrics-port": {
    value: "N",
    help: "HTTP port for the status page, /metrics, /healthz, /readyz, /stats, /clients, /sources (0: any free port; off: none)",
    default: null,
    parse: portOrOff,
    shownDefault: "off",
  } as Flag<number | null>,
  "ws-port": {
    value: "N",
    help: "port user clients connect to over WebSocket, the same contract as --client-port (0: any free port; off: none)",
    default: null,
    parse: portOrOff,
    shownDefault: "off",
  } as Flag<number | null>,
  host: {
    value: "ADDR",
    help: "address every port listens on (off loopback, use TLS and the secrets)",
    default: "127.0.0.1",
    parse: host,
  } as Flag<string>,
  "tls-cert": {
    value: "FILE",
    help: "serve TLS with this PEM certificate (chain); needs --tls-key",
    default: null,
    parse: file,
    shownDefault: "none",
  } as Flag<string | null>,
  "tls-key": {
    value: "FILE",
    help: "unencrypted PEM private key of --tls-cert",
    default: null,
    parse: file,
    shownDefault: "none",
  } as Flag<string | null>,
  "tls-ports": {
    value: "PORTS",
    help: "which ports use TLS, given --tls-cert: events, clients or events,clients",
    default: null,
    parse: setOf(TLS_PORTS),
    shownDefault: "events,clients",
  } as Flag<TlsPort[] | null>,
  "client-secret": {
    value: "SECRET",
    help: "clients must send `<id> <token>`; see `follower-maze token`",
    default: null,
    parse: secret(16, 256),
    shownDefault: "none",
  } as Flag<string | null>,
  "source-secret": {
    value: "SECRET",
    help: "event sources must first send `AUTH <secret>`",
    default: null,
    parse: secret(16, 256),
    shownDefault: "none",
  } as Flag<string | null>,
  "max-clients": {
    value: "N",
    help: "client connections at once, handshakes in progress included (0: no limit)",
    default: 0,
    parse: integer(0, 2 ** 31 - 1),
  } as Flag<number>,
  delimiter: { value: "C", help: "single-byte field separator of event lines", default: 0x7c, parse: delimiter, shownDefault: "|" } as Flag<number>,
  "start-seq": { value: "N", help: "first sequence number to deliver", default: 1, parse: sequenceNumber } as Flag<number>,
  "max-pending": {
    value: "N",
    help: "events held for reordering before event sources are paused",
    default: 100_000,
    parse: integer(1, 50_000_000),
  } as Flag<number>,
  "gap-timeout": {
    value: "MS",
    help: "skip a missing sequence number after this long (0: wait forever)",
    default: 0,
    parse: milliseconds(0),
  } as Flag<number>,
  "max-line-bytes": {
    value: "N",
    help: "longest accepted line, terminator excluded",
    default: 1024,
    parse: integer(16, MiB),
  } as Flag<number>,
  "handshake-timeout": {
    value: "MS",
    help: "time a client has to send its user id (a source its AUTH line), TLS handshake included",
    default: 10_000,
    parse: milliseconds(1),
  } as Flag<number>,
  "max-client-buffer": {
    value: "BYTES",
    help: "notifications queued for one client before it is disconnected",
    default: 4 * MiB,
    parse: bytes(1024, 1024 * MiB),
    shownDefault: "4MiB",
  } as Flag<number>,
  "shutdown-timeout": {
    value: "MS",
    help: "on SIGINT/SIGTERM/SIGHUP, time allowed to flush queued notifications",
    default: 5_000,
    parse: milliseconds(0),
  } as Flag<number>,
  "scheduler-slice": {
    value: "US",
    help: "Linux scheduler slice of the thread that serves the sockets while it is not saturated, 100 to 100000 µs: shorter runs it sooner when an event arrives (off: the kernel's own)",
    default: 100,
    parse: schedulerSlice,
  } as Flag<number | null>,
  "code-pages-interval": {
    value: "MS",
    help: "unmap the executable's pages again this often while serving, 100 to 60000 ms, so the RSS counts the code the last interval ran rather than all it ever ran (off: only at start)",
    default: CODE_PAGES_PERIOD_MS,
    parse: codePagesInterval,
  } as Flag<number | null>,
  "parent-pid": {
    value: "PID",
    help: "shut down as on SIGTERM once process PID has exited (npm start passes npm's)",
    default: null,
    parse: runningProcessId,
    shownDefault: "none",
  } as Flag<number | null>,
  "stats-interval": {
    value: "MS",
    help: "log counters this often at info level (0: never)",
    default: 10_000,
    parse: milliseconds(0),
  } as Flag<number>,
  "log-level": {
    value: "LEVEL",
    help: `one of ${LOG_LEVELS.join(", ")}`,
    default: "info",
    parse: oneOf(LOG_LEVELS),
  } as Flag<(typeof LOG_LEVELS)[number]>,
  "log-format": {
    value: "FORMAT",
    help: "text, or json: one JSON object per line",
    default: "text",
    parse: oneOf(LOG_FORMATS),
  } as Flag<(typeof LOG_FORMATS)[number]>,
};
