/** The Redis keys of one cluster, all under its --stream prefix, so several clusters can share a Redis. */
export interface ClusterKeys {
  /** The stream of ordered events. */
  events: string;
  /** Hash: `epoch` (random, created with HSETNX) and `delimiter` (the field separator the lines use). */
  meta: string;
  /** The follower graph at some sequence number (snapshot.ts). */
  snapshot: string;
  /** The lease of the one sequencer allowed to write (lease.ts). */
  sequencer: string;
}

export function clusterKeys(prefix: string): ClusterKeys {
  return { events: `${prefix}:events`, meta: `${prefix}:meta`, snapshot: `${prefix}:snapshot`, sequencer: `${prefix}:sequencer` };
}

/** A new epoch: 16 hex digits from 8 random bytes. */
export function randomEpoch(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(8))).toString("hex");
}
