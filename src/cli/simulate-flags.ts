import { LOG_LEVELS } from "../log/logger.ts";
import { EVENT_TYPES, type EventMix } from "../simulate/event-stream.ts";
import type { Flag } from "./flags.ts";
import { SERVE_FLAGS } from "./serve-flags.ts";
import { fraction, host, integer, milliseconds, oneOf, port, type ValueParser, weights } from "./values.ts";

export const DEFAULT_MIX = "F=25,U=15,P=30,S=29,B=1";
/** Marks "concurrencyLevel × 10" for numberOfUsers, which no user can type. */
export const USERS_FROM_CLIENTS = 0;
/** Events are generated as they are sent, so memory sets no limit; sequence numbers stay well inside an int32. */
export const MAX_EVENTS = 1_000_000_000;
export const TRANSPORTS = ["tcp", "ws"] as const;

/** One port, or several separated by commas (clients are spread over them, e.g. the edges of a cluster). */
const ports: ValueParser<number[]> = (raw) => raw.split(",").map((one) => port(one.trim()));

/**
 * Every flag of `follower-maze simulate`. The harness's settings keep the
 * original Follower Maze harness's names, as flags and as environment
 * variables, so existing scripts and habits carry over.
 */
export const SIMULATE_FLAGS = {
  eventListenerPort: {
    value: "N",
    env: "eventListenerPort",
    alias: "event-port",
    help: "the server's event port",
    default: 9090,
    parse: port,
  } as Flag<number>,
  clientListenerPort: {
    value: "PORTS",
    env: "clientListenerPort",
    alias: "client-port",
    help: "the server's client port, or several separated by commas: clients are spread over them round-robin",
    default: [9099],
    parse: ports,
    shownDefault: "9099",
  } as Flag<number[]>,
  totalEvents: {
    value: "N",
    env: "totalEvents",
    help: "events to send, sequence numbers 1 … N",
    default: 10_000_000,
    parse: integer(1, MAX_EVENTS),
  } as Flag<number>,
  concurrencyLevel: {
    value: "N",
    env: "concurrencyLevel",
    help: "user clients to connect, each a distinct user",
    default: 100,
    parse: integer(1, 100_000),
  } as Flag<number>,
  numberOfUsers: {
    value: "N",
    env: "numberOfUsers",
    help: "user ids 1 … N that events and clients are drawn from",
    default: USERS_FROM_CLIENTS,
    parse: integer(1, 10_000_000),
    shownDefault: "concurrencyLevel × 10",
  } as Flag<number>,
  randomSeed: {
    value: "N",
    env: "randomSeed",
    help: "seed of the generator: the same seed sends the same run",
    default: 666,
    parse: integer(0, 2 ** 32 - 1),
  } as Flag<number>,
  timeout: {
    value: "MS",
    env: "timeout",
    help: "fail when a client owed a notification receives nothing for this long",
    default: 20_000,
    parse: milliseconds(1),
  } as Flag<number>,
  maxEventSourceBatchSize: {
    value: "N",
    env: "maxEventSourceBatchSize",
    help: "events go out in batches of 1 … N, shuffled within each batch",
    default: 100,
    parse: integer(1, 100_000),
  } as Flag<number>,
  logInterval: { value: "MS", env: "logInterval", help: "progress report interval (0: none)", default: 1000, parse: milliseconds(0) } as Flag<number>,
  logLevel: { value: "LEVEL", env: "logLevel", help: `one of ${LOG_LEVELS.join(", ")}`, default: "info", parse: oneOf(LOG_LEVELS) } as Flag<
    (typeof LOG_LEVELS)[number]
  >,
  host: { value: "ADDR", env: "FOLLOWER_MAZE_SIMULATE_HOST", help: "the server's address", default: "127.0.0.1", parse: host } as Flag<string>,
  rate: {
    value: "N",
    env: "FOLLOWER_MAZE_SIMULATE_RATE",
    help: "offer N events per second (0: as fast as the server reads)",
    default: 0,
    parse: integer(0, 100_000_000),
  } as Flag<number>,
  mix: {
    value: "WEIGHTS",
    env: "FOLLOWER_MAZE_SIMULATE_MIX",
    help: "relative weights of Follow, Unfollow, Private, Status, Broadcast",
    default: weights(EVENT_TYPES, 10_000)(DEFAULT_MIX),
    parse: weights(EVENT_TYPES, 10_000),
    shownDefault: DEFAULT_MIX,
  } as Flag<EventMix>,
  transport: {
    value: "KIND",
    env: "FOLLOWER_MAZE_SIMULATE_TRANSPORT",
    help: "how clients connect: tcp, or ws (WebSocket: ws://host:port/, one text message per notification)",
    default: "tcp",
    parse: oneOf(TRANSPORTS),
  } as Flag<(typeof TRANSPORTS)[number]>,
  threads: {
    value: "N",
    env: "FOLLOWER_MAZE_SIMULATE_THREADS",
    help: "client threads sharing the verification (the event source has the main thread)",
    default: 1,
    parse: integer(1, 64),
  } as Flag<number>,
  // The server's own flags and variables, so one environment configures both ends.
  "client-secret": { ...SERVE_FLAGS["client-secret"], help: "authenticate each client with `<id> <token>` (the server's --client-secret)" } as Flag<
    string | null
  >,
  "source-secret": { ...SERVE_FLAGS["source-secret"], help: "send `AUTH <secret>` before the events (the server's --source-secret)" } as Flag<string | null>,
  noise: {
    value: "P",
    env: "FOLLOWER_MAZE_SIMULATE_NOISE",
    help: "after this share of events also send a line a server must drop (repeat, malformed, junk, oversized)",
    default: 0,
    parse: fraction(0, 0.5),
  } as Flag<number>,
};
