import { type EventMix, generateStream } from "../support/event-stream.ts";
import { Prng } from "../support/prng.ts";
import { StreamDigest } from "./digest.ts";

export interface WorkloadOptions {
  events: number;
  users: number;
  /** Connected clients, each a distinct user. */
  clients: number;
  /** Events are sent in batches of 1 … maxBatch, shuffled within each batch. */
  maxBatch: number;
  seed: number;
  /** Average number of users a user follows before follows stop adding edges. */
  degree: number;
  /** Share of events followed by a line the server must drop (see GenerateOptions.noise). */
  noise?: number;
}

const MIX: EventMix = { F: 25, U: 15, P: 30, S: 29, B: 1 };

export interface Workload {
  /** The event stream as the bytes to write: first event 1 alone (a broadcast), then the rest in 1 MiB pieces. */
  stream: Uint8Array[];
  /** User id of each client connection. */
  clientUsers: number[];
  /** What each client must receive, byte for byte. */
  expected: StreamDigest[];
  notifications: number;
  streamBytes: number;
}

const PIECE = 1 << 20;

/**
 * Generates a seeded, realistic event stream and, from the graph as each event
 * finds it, the exact bytes every client must get. Generation is not timed;
 * only sending and receiving are.
 */
export function generateWorkload(o: WorkloadOptions): Workload {
  const rng = new Prng(o.seed);
  const clientUsers = rng.shuffle(Array.from({ length: o.users }, (_, i) => i + 1)).slice(0, o.clients);
  const clientOf = new Map(clientUsers.map((user, i) => [user, i]));
  const expected = clientUsers.map(() => new StreamDigest());
  let notifications = 0;

  const notify = (user: number, line: Uint8Array) => {
    const client = clientOf.get(user);
    if (client === undefined) return;
    expected[client].update(line);
    notifications++;
  };

  const { pieces, bytes } = generateStream(rng, {
    events: o.events,
    users: o.users,
    mix: MIX,
    degree: o.degree,
    batch: o.maxBatch,
    randomBatches: true,
    barrier: true,
    pieceBytes: PIECE,
    noise: o.noise,
    onEvent(event, line) {
      switch (event.type) {
        case "F":
        case "P":
          notify(event.to, line);
          break;
        case "S":
          for (const follower of event.followers(event.from)) notify(follower, line);
          break;
        case "B":
          for (const user of clientUsers) notify(user, line);
          break;
      }
    },
  });
  return { stream: pieces, clientUsers, expected, notifications, streamBytes: bytes };
}
