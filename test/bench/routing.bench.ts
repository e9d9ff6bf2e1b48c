/**
 * routing: the whole pure core, bytes in → bytes handed to sockets.
 *
 * Optimised: LineFramer → Engine, the sequencer (in-place parse, in-order
 * fast path, SeqHeap/HeldEvents for the rest) → the ordered event stream →
 * FanOut: Router (UserIndex + FollowerTable) → ClientDirectory/Outbox byte
 * queues, one write per dirty client per read, then the delivery latency of
 * the read's events into a histogram: one Engine.read per read, as the
 * server does.
 * Naive: NaiveServer (string parsing, object heap for every event, Map/Set
 * graph, per-client string concatenation encoded once per read).
 *
 * Stream: 100,000 events, 1,000 users, F 22 % U 18 % P 30 % S 28 % B 2 %,
 * unfollows 90 % of existing edges, shuffled within batches of 100, cut into
 * 64 KiB reads; 100 of the users are connected. The fake socket takes
 * everything and just counts bytes. One iteration = a fresh server eating the
 * whole stream (sequence numbers restart, so state cannot carry over).
 */
import { bench, do_not_optimize, group, summary } from "mitata";
import { Engine, type EngineObserver } from "../../src/engine/engine.ts";
import { Histogram } from "../../src/metrics/histogram.ts";
import { DELIVERY_LATENCY } from "../../src/metrics/server-metrics.ts";
import { LineFramer } from "../../src/protocol/line-framer.ts";
import { type ClientTransport, FanOut } from "../../src/routing/fan-out.ts";
import { Prng } from "../../src/simulate/prng.ts";
import { NaiveServer } from "./naive.ts";
import { rated } from "./report.ts";
import { eventReads } from "./stream.ts";

const EVENTS = 100_000;
const USERS = 1000;
const CONNECTED = 100;
const READ_BYTES = 64 * 1024;

class CountingWriter implements ClientTransport {
  bytes = 0;
  writes = 0;
  write(_data: Uint8Array, _byteOffset: number, byteLength: number): number {
    this.bytes += byteLength;
    this.writes++;
    return byteLength;
  }
  tooSlow(): void {
    throw new Error("routing bench: a client was dropped");
  }
}

const observer: EngineObserver = {
  malformed() {},
  oversized() {},
  duplicate() {},
  gapSkipped() {},
};

const reads = eventReads(EVENTS, USERS, 7, READ_BYTES);

const connectedIds: number[] = [];
{
  const rng = new Prng(99);
  const chosen = new Set<number>();
  while (chosen.size < CONNECTED) chosen.add(rng.range(1, USERS));
  connectedIds.push(...chosen);
}

interface Outcome {
  applied: number;
  notifications: number;
  /** Bytes written per connected user, in connectedIds order. */
  bytes: number[];
}

function runOptimised(): Outcome {
  const fanOut = new FanOut<CountingWriter>({ maxClientBuffer: 4 << 20, delimiter: 0x7c, maxLineBytes: 1024 });
  const writers = connectedIds.map((id) => {
    const writer = new CountingWriter();
    fanOut.connect(id, writer);
    return writer;
  });
  const latency = new Histogram(DELIVERY_LATENCY.buckets);
  const engine = new Engine({ delimiter: 0x7c, startSeq: 1, maxPending: 100_000 }, fanOut, observer, { clock: () => performance.now(), latency });
  const framer = new LineFramer(1024, engine);
  for (const read of reads) engine.read(framer, read);
  if (latency.count !== engine.counters.applied) throw new Error("routing bench: delivery latency missed events");
  return { applied: engine.counters.applied, notifications: fanOut.notifications, bytes: writers.map((w) => w.bytes) };
}

function runNaive(): Outcome {
  const server = new NaiveServer(1);
  const writers = connectedIds.map((id) => {
    const writer = new CountingWriter();
    server.connect(id, writer);
    return writer;
  });
  for (const read of reads) server.push(read);
  return { applied: server.applied, notifications: server.notifications, bytes: writers.map((w) => w.bytes) };
}

// Same notifications to the same users, byte for byte in count, before any timing.
{
  const a = runOptimised();
  const b = runNaive();
  const same = a.applied === EVENTS && b.applied === EVENTS && a.notifications === b.notifications && a.bytes.every((n, i) => n === b.bytes[i]);
  if (!same) {
    throw new Error(`routing bench: implementations disagree (applied ${a.applied}/${b.applied}, notifications ${a.notifications}/${b.notifications})`);
  }
  const total = a.bytes.reduce((x, y) => x + y, 0);
  console.log(
    `routing: ${EVENTS} events in ${reads.length} reads, ${USERS} users, ${CONNECTED} connected → ${a.notifications} notifications, ${total} bytes out`,
  );
}

const sum = (o: Outcome) => o.notifications + o.bytes.reduce((x, y) => x + y, 0);

group(`routing: full core, ${EVENTS / 1000}k events, ${USERS} users, ${CONNECTED} clients`, () => {
  summary(() => {
    bench(rated("routing", "Engine + FanOut (Router + Outbox)", EVENTS, "event"), () => {
      do_not_optimize(sum(runOptimised()));
    });
    bench(rated("routing", "naive strings + Map/Set + object heap", EVENTS, "event"), () => {
      do_not_optimize(sum(runNaive()));
    }).baseline(true);
  });
});
