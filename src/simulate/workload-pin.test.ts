import { describe, expect, test } from "bun:test";
import { Prng } from "./prng.ts";
import { WorkloadGenerator, type WorkloadOptions } from "./workload.ts";

/**
 * A seed names a run: a failure report quotes it, and replaying it must give
 * the same bytes. These hashes were taken from the generator before its hot
 * path was rewritten for speed; any change to what a seed generates (the
 * PRNG, how draws map to ranges, the order of draws, the encoding) shows here.
 */

/** SHA-256 over everything the generator hands out, batch after batch. */
function runHash(seed: number, o: WorkloadOptions): string {
  const hasher = new Bun.CryptoHasher("sha256");
  const generator = new WorkloadGenerator(new Prng(seed), o);
  hasher.update(new Uint8Array(generator.clientUsers.buffer.slice(0)));
  const ints = new Int32Array(5);
  for (let batch = generator.next(); batch !== null; batch = generator.next()) {
    const n = batch.last - batch.first + 1;
    ints.set([batch.first, batch.last, batch.byteLength, batch.recipientCount, batch.notifications]);
    hasher.update(ints);
    hasher.update(batch.bytes.subarray(0, batch.byteLength));
    hasher.update(batch.lineStart.subarray(0, n));
    hasher.update(batch.lineLength.subarray(0, n));
    hasher.update(batch.fanout.subarray(0, n));
    hasher.update(batch.recipients.subarray(0, batch.recipientCount));
  }
  hasher.update(new Int32Array([generator.notifications]));
  return hasher.digest("hex");
}

/** The first draws of each kind, hashed: the sequence behind every seeded test and benchmark. */
function drawsHash(seed: number): string {
  const rng = new Prng(seed);
  const out = new Float64Array(6000);
  let k = 0;
  for (let i = 0; i < 1000; i++) {
    out[k++] = rng.next();
    out[k++] = rng.int(1 + i * 7919);
    out[k++] = rng.int(2 ** 31 + i * 104_729);
    out[k++] = rng.range(-i, i * 3);
    out[k++] = rng.chance(0.3) ? 1 : 0;
    out[k++] = rng.pick([5, 6, 7]);
  }
  const shuffled = rng.shuffle(Array.from({ length: 500 }, (_, i) => i));
  const hasher = new Bun.CryptoHasher("sha256");
  hasher.update(out);
  hasher.update(new Int32Array(shuffled));
  return hasher.digest("hex");
}

const DEFAULT_MIX = { F: 25, U: 15, P: 30, S: 29, B: 1 };
/** The default run's shape (simulate's defaults), shortened. */
const DEFAULT_LIKE: WorkloadOptions = { events: 200_000, users: 1000, clients: 100, maxBatch: 100, mix: DEFAULT_MIX, degree: 20, noise: 0 };
/** Saturates the graph, fans out, and carries every kind of noise. */
const SMALL: WorkloadOptions = {
  events: 20_000,
  users: 20,
  clients: 12,
  maxBatch: 12,
  mix: { F: 30, U: 20, P: 15, S: 30, B: 5 },
  degree: 2,
  noise: 0.2,
  skew: true,
};

describe("a seed always generates the same run", () => {
  test("PRNG draws", () => {
    expect(drawsHash(1)).toBe("1025479ba61a24bb51cd2a28626168f67b58f56276749ccb8f0325fe847a9daf");
    expect(drawsHash(-7)).toBe("f8cf44e4c6b48903a432833556182a21a08fdcb6975f26c0b5d094528ce48569");
  });

  test("the default run's shape", () => {
    expect(runHash(666, DEFAULT_LIKE)).toBe("07a6875e5c4c8cedc7fde2825cdb60b3efbe1c951dcd25dfec9b70cae75b6823");
  });

  test("a saturated graph with noise and skew", () => {
    expect(runHash(42, SMALL)).toBe("4b445ffbc26ee0fcf5a0861db33ed05df38100f8ab0b88ec7fa9d9cba023c108");
  });

  test("fixed batches, many users", () => {
    expect(runHash(3, { ...DEFAULT_LIKE, events: 50_000, users: 100_000, clients: 1000, maxBatch: 50, fixedBatches: true, degree: 5 })).toBe(
      "2769594fe81207d315e7beb4c9a9b976ebfad64964b81a8de7fcf049ee112f1e",
    );
  });
});
