import { describe, expect, test } from "bun:test";
import { Engine, type EngineObserver } from "../src/engine/engine.ts";
import { FollowerTable } from "../src/graph/follower-table.ts";
import { UserIndex } from "../src/graph/user-index.ts";
import type { OrderedEvents } from "../src/pipeline/ordered-events.ts";
import { LineFramer } from "../src/protocol/line-framer.ts";
import { ClientDirectory } from "../src/routing/client-directory.ts";
import type { ByteWriter, Outbox } from "../src/routing/outbox.ts";
import { Router } from "../src/routing/router.ts";
import { Prng } from "../src/simulate/prng.ts";
import { ReferenceModel } from "./support/reference-model.ts";

/*
 * Differential test: seeded random event streams, full of the things the
 * README (› Behaviour on bad input) says must be survived (reordering, duplicates, malformed and oversized lines,
 * odd chunking, clients coming and going), are fed both to the optimised
 * engine and to the naive reference model; every connection must receive the
 * same bytes from both. A failing case is replayed exactly by its seed.
 */

const MAX_SEQ = Number.MAX_SAFE_INTEGER;
const MAX_USER = 2 ** 31 - 1;

// ---------------------------------------------------------------- scenarios

/** Knobs of one generated stream; every case is a seed plus some of these. */
interface Profile {
  events: number;
  /** Distinct user ids in play. */
  users: number;
  delimiter: string;
  startSeq: number;
  maxLineBytes: number;
  /** Event-source connections the lines are spread over. */
  sources: number;
  /** Share of lines ended by CRLF rather than bare LF. */
  crlf: number;
  /** Per-event rates of injected lines. */
  duplicates: number;
  malformed: number;
  junk: number;
  oversized: number;
  /** Share of lines zero-padded to exactly maxLineBytes, the longest accepted. */
  boundary: number;
  /** Largest shuffled batch; 1 keeps arrival order. */
  batch: number;
  /** Fully shuffled windows of a few hundred to a few thousand lines. */
  windows: number;
  /** Share of events sent `earlyDistance` lines ahead of their place. */
  earlyBirds: number;
  earlyDistance: number;
  /** Zero-pad ordinary lines to this length (0: no padding). */
  padTo: number;
  chunkMin: number;
  chunkMax: number;
  /** Per-read chance of a client connecting or disconnecting just before it. */
  churn: number;
  /** Sockets that take only part of each write, drained at random later. */
  partialWrites: boolean;
  /** End on an unterminated line, which must never be delivered. */
  trailingPartial: boolean;
}

type Action = { connect: number } | { disconnect: number };

interface Step {
  /** Client changes that happen before this read. */
  actions: Action[];
  source: number;
  chunk: Uint8Array;
}

interface Scenario {
  profile: Profile;
  /** Users a connection may be for, hot ones first. */
  pool: number[];
  steps: Step[];
  /** Actions after the last read. */
  finalActions: Action[];
}

const DELIMITERS = [",", ";", " ", "\t", ":", "#", "\x00", "\xff"];

function randomProfile(rng: Prng): Profile {
  const events = rng.range(2000, 5000);
  const bigSeqs = rng.chance(0.2);
  return {
    events,
    users: rng.pick([3, 8, 40, 300, 3000]),
    delimiter: rng.chance(0.7) ? "|" : rng.pick(DELIMITERS),
    // Near the top, so the last event is exactly 2^53−1.
    startSeq: bigSeqs ? MAX_SEQ - events + 1 : rng.chance(0.5) ? 1 : rng.range(2, 1_000_000),
    maxLineBytes: rng.pick([56, 60, 80, 128, 1024]),
    sources: rng.chance(0.25) ? rng.range(2, 3) : 1,
    crlf: rng.pick([0, 0.5, 1]),
    duplicates: rng.pick([0, 0.01, 0.05, 0.2]),
    malformed: rng.pick([0, 0.01, 0.05]),
    junk: rng.pick([0, 0.01, 0.05]),
    oversized: rng.pick([0, 0.005, 0.02]),
    boundary: rng.pick([0, 0.02]),
    batch: rng.pick([1, 10, 100]),
    windows: rng.pick([0, 0, 1, 3]),
    earlyBirds: rng.pick([0, 0.01]),
    earlyDistance: rng.range(50, 1500),
    padTo: 0,
    chunkMin: 1,
    chunkMax: rng.pick([16, 512, 4096]),
    churn: rng.pick([0.02, 0.1, 0.3]),
    partialWrites: rng.chance(0.3),
    trailingPartial: rng.chance(0.3),
  };
}

class Generator {
  readonly pool: number[] = [];
  /** Follow edges emitted so far, in sequence order, so unfollows can hit real ones. */
  private readonly edges: [number, number][] = [];
  private readonly d: string;

  constructor(
    private readonly rng: Prng,
    private readonly p: Profile,
  ) {
    this.d = p.delimiter;
    const ids = new Set<number>();
    // The extremes of the id range are where index and hash bugs live.
    if (p.users >= 3) ids.add(0).add(MAX_USER);
    const dense = rng.chance(0.5);
    while (ids.size < p.users) ids.add(dense ? ids.size : rng.range(1, 2_000_000));
    this.pool = rng.shuffle([...ids]);
  }

  /** Skewed towards the front of the pool, so some users are hot: many followers, many connections. */
  user(): number {
    return this.pool[Math.floor(this.pool.length * this.rng.next() ** 2)];
  }

  /** A decimal as the wire may spell it: leading zeros are allowed. */
  private num(n: number): string {
    return this.rng.chance(0.03) ? "0".repeat(this.rng.range(1, 3)) + n : String(n);
  }

  private pad(seq: number, rest: string, length: number): string {
    const digits = String(seq);
    return "0".repeat(Math.max(0, length - digits.length - rest.length)) + digits + rest;
  }

  /** A well-formed event for `seq`; `fresh` advances the generator's view of the graph. */
  event(seq: number, fresh = true): string {
    const rng = this.rng;
    const d = this.d;
    let rest: string;
    const r = rng.next() * 10;
    if (r < 2.5) {
      const from = this.user();
      const to = this.user();
      if (fresh) this.edges.push([from, to]);
      rest = `${d}F${d}${this.num(from)}${d}${this.num(to)}`;
    } else if (r < 3.5) {
      const [from, to] = this.edges.length > 0 && rng.chance(0.7) ? rng.pick(this.edges) : [this.user(), this.user()];
      rest = `${d}U${d}${this.num(from)}${d}${this.num(to)}`;
    } else if (r < 4.2) {
      rest = `${d}B`;
    } else if (r < 6.5) {
      rest = `${d}P${d}${this.num(this.user())}${d}${this.num(this.user())}`;
    } else {
      rest = `${d}S${d}${this.num(this.user())}`;
    }
    const max = this.p.maxLineBytes;
    if (rng.chance(this.p.boundary)) return this.pad(seq, rest, max);
    if (this.p.padTo > 0) return this.pad(seq, rest, Math.min(this.p.padTo, max));
    return this.num(seq) + rest;
  }

  /** A line whose seq is readable but which is otherwise wrong: it must keep its place as a no-op. */
  malformed(seq: number): string {
    const s = this.num(seq);
    const d = this.d;
    return this.rng.pick([
      `${s}${d}X${d}1${d}2`,
      `${s}${d}F${d}1`,
      `${s}${d}B${d}1`,
      `${s}${d}S${d}1${d}2`,
      `${s}${d}S`,
      `${s}${d}F${d}a${d}2`,
      `${s}${d}P${d}1${d}2147483648`,
      `${s}${d}U${d}1${d}99999999999999999999`,
      `${s}${d}FF${d}1${d}2`,
      `${s}${d}b`,
      `${s}${d}`,
      `${s}`,
      `${s}${d}B${d}`,
      `${s}${d}F${d}1${d}2${d}`,
      `${s}${d}F${d}${d}2`,
      `${s}${d}P${d}-1${d}2`,
      `${s}${d}S${d} 1`,
      `${s}${d}S\r${d}1`,
      `${s}${d}P${d}+1${d}2`,
    ]);
  }

  /** A line whose seq cannot be read (or is far out of the stream's range): dropped or held forever. */
  junk(first: number, last: number): string {
    const rng = this.rng;
    const d = this.d;
    switch (rng.int(4)) {
      case 0:
        return rng.pick([
          "",
          " ",
          "\r",
          "abc",
          `${d}B`,
          `0${d}B`,
          `000${d}B`,
          `-1${d}B`,
          `+5${d}B`,
          ` 5${d}B`,
          `5 ${d}B`,
          `1e3${d}B`,
          `0x10${d}B`,
          `9007199254740992${d}B`,
          `9007199254740993${d}B`,
          `90071992547409910${d}B`,
          `99999999999999999999999${d}B`,
        ]);
      case 1: {
        // Arbitrary bytes, LF excepted since it would end the line.
        let s = String.fromCharCode(rng.range(0x3a, 0xff));
        for (let n = rng.int(30); n > 0; n--) {
          const c = rng.int(256);
          s += String.fromCharCode(c === 0x0a ? 0x0b : c);
        }
        return s;
      }
      case 2:
        // Before the start: counted as already delivered.
        return first > 1 ? `${first - rng.range(1, Math.min(5, first - 1))}${d}B` : `0${d}B`;
      default:
        // Past the end: waits forever, and must not hold anything else up.
        return last + rng.range(1, 50) <= MAX_SEQ ? `${last + rng.range(1, 50)}${d}B` : `${MAX_SEQ + 1}${d}B`;
    }
  }

  /** Another line for an existing seq, sometimes spelled differently: whichever arrives first wins. */
  duplicate(seq: number, original: string): string {
    switch (this.rng.int(4)) {
      case 0:
        return this.event(seq, false);
      case 1:
        return this.malformed(seq);
      case 2:
        return `0${original}`;
      default:
        return original;
    }
  }

  /** A valid-looking event too long to accept, if only by one byte. */
  oversized(seq: number): string {
    const max = this.p.maxLineBytes;
    const extra = this.rng.pick([1, 1, 2, this.rng.range(3, 3 * max + 2000)]);
    return this.pad(seq, `${this.d}B`, max + extra);
  }
}

function buildScenario(seed: number, overrides: Partial<Profile>): Scenario {
  const rng = new Prng(seed);
  const p: Profile = { ...randomProfile(rng), ...overrides };
  const gen = new Generator(rng, p);
  const first = p.startSeq;
  const last = first + p.events - 1;

  // The canonical occupant of each seq, in sequence order.
  const canonical: string[] = [];
  for (let i = 0; i < p.events; i++) {
    canonical.push(rng.chance(p.malformed) ? gen.malformed(first + i) : gen.event(first + i));
  }

  // Arrival order: early birds jump ahead, then batches and windows are shuffled.
  const keyed = canonical.map((line, i) => ({ line, key: rng.chance(p.earlyBirds) ? i - p.earlyDistance - 0.5 : i }));
  keyed.sort((a, b) => a.key - b.key);
  const arrival = keyed.map((k) => k.line);
  if (p.earlyBirds > 0 && p.padTo > 0) {
    // Early birds short, the rest long: few held bytes pinning many read buffers.
    for (let i = 0; i < keyed.length; i++) if (keyed[i].key % 1 !== 0) arrival[i] = arrival[i].replace(/^0+/, "");
  }
  for (let i = 0; i < arrival.length; ) {
    const size = rng.range(1, p.batch);
    shuffleRange(rng, arrival, i, Math.min(arrival.length, i + size));
    i += size;
  }
  for (let w = 0; w < p.windows; w++) {
    const size = rng.range(200, 2000);
    const start = rng.int(Math.max(1, arrival.length - size));
    shuffleRange(rng, arrival, start, Math.min(arrival.length, start + size));
  }

  // Injected lines land anywhere, before or after the line they echo.
  const insert = (line: string) => arrival.splice(rng.int(arrival.length + 1), 0, line);
  const count = (rate: number) => Math.round(rate * p.events);
  for (let n = count(p.duplicates); n > 0; n--) {
    const i = rng.int(p.events);
    insert(gen.duplicate(first + i, canonical[i]));
  }
  for (let n = count(p.junk); n > 0; n--) insert(gen.junk(first, last));
  for (let n = count(p.oversized); n > 0; n--) insert(gen.oversized(first + rng.int(p.events)));

  // Each line goes, whole, to one source; each source's bytes are cut into reads independently.
  const streams: string[] = Array.from({ length: p.sources }, () => "");
  for (const line of arrival) {
    const source = rng.int(p.sources);
    // A stray CR before CRLF is part of the line, so it spoils the last field: only where that
    // leaves the seq readable and the line within the limit, or the stream would stall for good.
    const strayCr = rng.chance(0.01) && line.includes(p.delimiter) && line.length < p.maxLineBytes;
    const terminator = rng.chance(p.crlf) ? (strayCr ? "\r\r\n" : "\r\n") : "\n";
    streams[source] += line + terminator;
  }
  if (p.trailingPartial) streams[0] += `${first}${p.delimiter}B`;
  const reads: { source: number; chunk: Uint8Array }[][] = streams.map((stream, source) =>
    cut(rng, stream, p.chunkMin, p.chunkMax).map((chunk) => ({ source, chunk })),
  );

  // Interleave the sources' reads, each source keeping its own order.
  const steps: Step[] = [];
  const open: number[] = [];
  let connections = 0;
  const churn = (): Action[] => {
    const actions: Action[] = [];
    if (!rng.chance(p.churn)) return actions;
    if (open.length > 0 && (open.length >= 40 || rng.chance(0.4))) {
      actions.push({ disconnect: open.splice(rng.int(open.length), 1)[0] });
    } else {
      actions.push({ connect: gen.user() });
      open.push(connections++);
    }
    return actions;
  };
  const initial: Action[] = [];
  for (let n = rng.range(1, 12); n > 0; n--) {
    initial.push({ connect: gen.user() });
    open.push(connections++);
  }
  // The hottest user twice over, from the start: both connections must see everything it gets.
  initial.push({ connect: gen.pool[0] }, { connect: gen.pool[0] });
  open.push(connections++, connections++);
  while (reads.some((r) => r.length > 0)) {
    const live = reads.filter((r) => r.length > 0);
    const read = rng.pick(live).shift() as { source: number; chunk: Uint8Array };
    steps.push({ actions: steps.length === 0 ? [...initial, ...churn()] : churn(), ...read });
  }
  return { profile: p, pool: gen.pool, steps, finalActions: churn() };
}

function shuffleRange<T>(rng: Prng, items: T[], start: number, end: number): void {
  for (let i = end - 1; i > start; i--) {
    const j = start + rng.int(i - start + 1);
    const t = items[i];
    items[i] = items[j];
    items[j] = t;
  }
}

/** Reads of random sizes; some deliberately end between a CR and its LF. */
function cut(rng: Prng, stream: string, min: number, max: number): Uint8Array[] {
  const bytes = Buffer.from(stream, "latin1");
  const chunks: Uint8Array[] = [];
  for (let pos = 0; pos < bytes.length; ) {
    // Log-uniform, so small reads are as common as big ones.
    let end = pos + Math.round(Math.exp(Math.log(min) + rng.next() * (Math.log(max) - Math.log(min))));
    if (rng.chance(0.15)) {
      const crlf = stream.indexOf("\r\n", end - 1);
      if (crlf >= 0 && crlf + 1 - pos <= max) end = crlf + 1;
    }
    end = Math.min(Math.max(end, pos + 1), bytes.length);
    // A copy, as a socket hands over a fresh buffer per read.
    chunks.push(bytes.slice(pos, end));
    pos = end;
  }
  return chunks;
}

// ------------------------------------------------------------------ drivers

/** A socket stand-in that keeps what it was given; with `rng`, it takes only part of each write. */
class RecordingSocket implements ByteWriter {
  private readonly parts: Uint8Array[] = [];

  constructor(private readonly rng: Prng | null) {}

  write(data: Uint8Array, byteOffset: number, byteLength: number): number {
    const taken = this.rng ? this.rng.range(1, byteLength) : byteLength;
    this.parts.push(data.slice(byteOffset, byteOffset + taken));
    return taken;
  }

  text(): string {
    return Buffer.concat(this.parts).toString("latin1");
  }
}

interface EngineRun {
  engine: Engine;
  router: Router;
  users: UserIndex;
  graph: FollowerTable;
  /** Per connection id: its user and what its socket received. */
  connections: { user: number; socket: RecordingSocket }[];
  keptPlace: number;
  dropped: number;
  compactions: number;
}

function runEngine(sc: Scenario, seed: number): EngineRun {
  const p = sc.profile;
  const writes = p.partialWrites ? new Prng(seed ^ 0x5eed) : null;
  const users = new UserIndex();
  const graph = new FollowerTable();
  // Far above anything a run queues: overflow is not what is under test here.
  const clients = new ClientDirectory(1 << 30);
  const router = new Router(users, graph, clients);
  const run: EngineRun = { engine: null as unknown as Engine, router, users, graph, connections: [], keptPlace: 0, dropped: 0, compactions: 0 };
  const observer: EngineObserver = {
    malformed: (_problem, _buf, _start, _end, keptPlace) => {
      if (keptPlace) run.keptPlace++;
    },
    oversized: () => {},
    duplicate: () => {},
    gapSkipped: () => {},
  };
  // The fan-out's parts, taken apart so the run can look at the graph and at every outbox.
  const stream: OrderedEvents = {
    event: (seq, kind, from, to, line, start, length) => router.event(seq, kind, from, to, line, start, length),
    skipped: () => {},
    flush: () => clients.flush(() => run.dropped++),
  };
  const engine = new Engine({ delimiter: p.delimiter.charCodeAt(0), startSeq: p.startSeq, maxPending: Number.MAX_SAFE_INTEGER }, stream, observer);
  run.engine = engine;
  const framers = Array.from({ length: p.sources }, () => new LineFramer(p.maxLineBytes, engine));
  const outboxes: Outbox[] = [];
  const drain = (outbox: Outbox) => {
    while (outbox.queuedBytes > 0) outbox.drained();
  };
  const act = (actions: Action[]) => {
    for (const action of actions) {
      if ("connect" in action) {
        const socket = new RecordingSocket(writes);
        run.connections.push({ user: action.connect, socket });
        outboxes.push(clients.add(users.intern(action.connect), socket));
      } else {
        // A client that reads everything before it goes: what it was sent is what it got.
        drain(outboxes[action.disconnect]);
        clients.remove(outboxes[action.disconnect]);
      }
    }
  };
  for (const step of sc.steps) {
    act(step.actions);
    const framer = framers[step.source];
    let pinned = 0;
    engine.read(
      {
        push(chunk) {
          framer.push(chunk);
          pinned = engine.pinnedBytes;
        },
      },
      step.chunk,
    );
    if (engine.pinnedBytes < pinned) run.compactions++;
    // Slow sockets catch up only now and then, so later reads append behind an unsent tail.
    if (writes) for (const outbox of clients.all) if (writes.chance(0.3)) drain(outbox);
  }
  act(sc.finalActions);
  for (const outbox of clients.all) drain(outbox);
  return run;
}

function runModel(sc: Scenario): ReferenceModel {
  const p = sc.profile;
  const model = new ReferenceModel({ delimiter: p.delimiter, startSeq: p.startSeq, maxLineBytes: p.maxLineBytes });
  const act = (actions: Action[]) => {
    for (const action of actions) {
      if ("connect" in action) model.connect(action.connect);
      else model.disconnect(action.disconnect);
    }
  };
  for (const step of sc.steps) {
    act(step.actions);
    model.push(Buffer.from(step.chunk).toString("latin1"), step.source);
  }
  act(sc.finalActions);
  return model;
}

// --------------------------------------------------------------- comparison

function notifications(bytes: string): string[] {
  if (bytes === "") return [];
  const lines = bytes.split("\r\n");
  // A missing final CRLF shows up as a last line that is not empty.
  if (lines[lines.length - 1] === "") lines.pop();
  else lines[lines.length - 1] += " <no CRLF>";
  return lines;
}

function mismatch(id: number, user: number, expected: readonly string[], actual: string[]): string | null {
  let i = 0;
  while (i < expected.length && i < actual.length && expected[i] === actual[i]) i++;
  if (i === expected.length && i === actual.length) return null;
  const context = (lines: readonly string[]) =>
    lines
      .slice(Math.max(0, i - 3), i + 4)
      .map((line, k) => `    ${Math.max(0, i - 3) + k}: ${JSON.stringify(line)}`)
      .join("\n");
  return (
    `connection #${id} (user ${user}): first difference at notification ${i} ` +
    `(expected ${expected.length}, got ${actual.length})\n  expected:\n${context(expected)}\n  actual:\n${context(actual)}`
  );
}

function followersOf(run: EngineRun, user: number): number[] {
  const index = run.users.lookup(user);
  if (index < 0) return [];
  const first = run.graph.followersStart(index);
  const list = run.graph.followerArena.subarray(first, first + run.graph.followerCount(index));
  return Array.from(list, (i) => run.users.idOf(i)).sort((a, b) => a - b);
}

interface Case {
  name: string;
  seed: number;
  overrides?: Partial<Profile>;
  /** The case exists to push held lines through compaction (more than once, so over an earlier arena too). */
  minCompactions?: number;
}

function check(c: Case): void {
  const sc = buildScenario(c.seed, c.overrides ?? {});
  const run = runEngine(sc, c.seed);
  const model = runModel(sc);

  const mismatches: string[] = [];
  run.connections.forEach(({ user, socket }, id) => {
    const problem = mismatch(id, user, model.received(id), notifications(socket.text()));
    if (problem) mismatches.push(problem);
    else if (socket.text() !== model.expectedBytes(id)) mismatches.push(`connection #${id} (user ${user}): same lines, different bytes`);
  });
  // A broken engine usually breaks every connection the same way; a few are enough to see how.
  if (mismatches.length > 3) mismatches.splice(3, Infinity, `... and ${mismatches.length - 3} more connections differ`);
  expect(mismatches).toEqual([]);

  const engine = run.engine;
  const m = model.counters;
  const e = engine.counters;
  expect({
    lines: e.lines,
    applied: e.applied,
    next: engine.next,
    malformed: e.malformed,
    malformedReadable: run.keptPlace,
    oversized: e.oversized,
    // The engine counts a duplicate of a waiting line when it comes up, the model on arrival.
    duplicatesAndHeld: e.duplicates + engine.pending,
    notifications: run.router.notifications,
    dropped: run.dropped,
  }).toEqual({
    lines: m.lines,
    applied: m.applied,
    next: model.next,
    malformed: m.malformed,
    malformedReadable: m.malformedReadable,
    oversized: m.oversized,
    duplicatesAndHeld: m.duplicates + model.pending,
    notifications: m.notifications,
    dropped: 0,
  });
  if (model.pending === 0) expect(e.duplicates).toBe(m.duplicates);

  // Follow edges outlive connections, so check them directly too, not only through S fan-out.
  const graphUsers = new Set([...sc.pool, ...model.followers.keys()]);
  const engineGraph: Record<number, number[]> = {};
  const modelGraph: Record<number, number[]> = {};
  for (const user of graphUsers) {
    const fromEngine = followersOf(run, user);
    const fromModel = [...(model.followers.get(user) ?? [])].sort((a, b) => a - b);
    if (fromEngine.length > 0) engineGraph[user] = fromEngine;
    if (fromModel.length > 0) modelGraph[user] = fromModel;
  }
  expect(engineGraph).toEqual(modelGraph);

  expect(run.compactions).toBeGreaterThanOrEqual(c.minCompactions ?? 0);
}

// -------------------------------------------------------------------- cases

const cases: Case[] = [
  ...Array.from({ length: 48 }, (_, i): Case => ({ name: `random mix, seed ${101 + i}`, seed: 101 + i })),
  { name: "sequence numbers ending at 2^53-1", seed: 7, overrides: { events: 3000, startSeq: MAX_SEQ - 2999, duplicates: 0.05, junk: 0.03 } },
  { name: "one- to three-byte reads", seed: 8, overrides: { events: 1500, chunkMin: 1, chunkMax: 3, oversized: 0.01, junk: 0.02 } },
  {
    name: "fully shuffled windows, heavy duplication, custom delimiter",
    seed: 9,
    overrides: { events: 5000, windows: 4, batch: 100, duplicates: 0.3, delimiter: "\xff" },
  },
  { name: "everything malformed or junk around a thin stream", seed: 10, overrides: { events: 2000, malformed: 0.3, junk: 0.3, oversized: 0.05 } },
  { name: "lines at exactly the length limit, CRLF only", seed: 11, overrides: { boundary: 0.5, crlf: 1, maxLineBytes: 56, oversized: 0.05 } },
  { name: "three sources, one hot user, many clients", seed: 12, overrides: { sources: 3, users: 3, churn: 0.5 } },
  {
    name: "far-ahead short lines pinning many long reads get compacted",
    seed: 13,
    overrides: {
      events: 24000,
      users: 40,
      churn: 0.05,
      maxLineBytes: 256,
      padTo: 240,
      earlyBirds: 0.1,
      earlyDistance: 8000,
      batch: 1,
      windows: 0,
      duplicates: 0,
      oversized: 0,
      boundary: 0,
      sources: 1,
      chunkMin: 3000,
      chunkMax: 4096,
    },
    minCompactions: 2,
  },
];

describe("engine matches the reference model", () => {
  for (const c of cases) test(c.name, () => check(c));
});

// A model that agreed with the engine on everything could still be wrong in the same way;
// these pin it to the README's contract by hand.
describe("reference model, checked by hand", () => {
  const model = (lines: string, options: { delimiter?: string; startSeq?: number; maxLineBytes?: number } = {}) => {
    const m = new ReferenceModel({ delimiter: "|", startSeq: 1, maxLineBytes: 1024, ...options });
    return { m, push: () => m.push(lines) };
  };

  test("orders, follows as a set, fans out per connection", () => {
    const { m, push } = model("5|S|2\n3|F|1|2\r\n1|F|1|2\n2|U|1|2\n4|F|1|2\n9|P|9|2\n8|B\n7|S|2\n6|U|1|2\n");
    const a = m.connect(2);
    const b = m.connect(2);
    const c = m.connect(1);
    const d = m.connect(7);
    push();
    expect(m.expectedBytes(a)).toBe("1|F|1|2\r\n3|F|1|2\r\n4|F|1|2\r\n8|B\r\n9|P|9|2\r\n");
    expect(m.received(b)).toEqual(m.received(a));
    expect(m.received(c)).toEqual(["5|S|2", "8|B"]);
    expect(m.received(d)).toEqual(["8|B"]);
    expect(m.counters).toMatchObject({ applied: 9, notifications: 13 });
  });

  test("bad lines keep their place when the seq is readable, and only then", () => {
    const { m, push } = model("4|B\n3|X|1|2\n2|F|1\n1|P|1|2147483648\nx|B\n0|B\n9007199254740992|B\n\n");
    const a = m.connect(1);
    push();
    expect(m.received(a)).toEqual(["4|B"]);
    expect(m.counters).toMatchObject({ applied: 4, malformed: 7, malformedReadable: 3, duplicates: 0 });
  });

  test("the first arrival of a seq wins, waiting or delivered", () => {
    const { m, push } = model("2|P|1|5\n2|B\n1|B\n2|P|1|5\n1|X\n");
    const a = m.connect(5);
    push();
    expect(m.received(a)).toEqual(["1|B", "2|P|1|5"]);
    expect(m.counters.duplicates).toBe(3);
  });

  test("frames on LF across reads, strips one CR, discards lines over the limit", () => {
    const { m } = model("", { maxLineBytes: 7, delimiter: "," });
    const a = m.connect(0);
    for (const chunk of ["1,B\n00002,B\r", "\n000003,B\n3,B\r", "\r\n4,", "B\n5,B"]) m.push(chunk);
    expect(m.received(a)).toEqual(["1,B", "00002,B", "4,B"]);
    expect(m.counters).toMatchObject({ oversized: 1, malformedReadable: 1, applied: 4 });
  });

  test("a user with no connection gets nothing, and a later connection does not get the past", () => {
    const { m } = model("");
    m.push("1|B\n");
    const a = m.connect(3);
    m.push("2|P|1|3\n");
    m.disconnect(a);
    m.push("3|B\n");
    expect(m.received(a)).toEqual(["2|P|1|3"]);
  });
});
