/**
 * The micro-benchmarks' input: realistic event streams cut into socket-sized
 * reads. All benches share one shape of traffic, so their numbers compare.
 */
import type { EventMix } from "../../src/simulate/event-stream.ts";
import { Prng } from "../../src/simulate/prng.ts";
import { generateWorkload } from "../support/workload.ts";

const MIX: EventMix = { F: 22, U: 18, P: 30, S: 28, B: 2 };

/**
 * `events` events among `users` users (F 22 % U 18 % P 30 % S 28 % B 2 %,
 * popular followees, arrival shuffled within batches of 100) as reads of
 * `readBytes`, lines straddling reads.
 */
export function eventReads(events: number, users: number, seed: number, readBytes: number): Uint8Array[] {
  const { bytes } = generateWorkload(new Prng(seed), { events, users, clients: 0, mix: MIX, skew: true, maxBatch: 100, fixedBatches: true, degree: Infinity });
  // Each read its own buffer, as Bun hands them over: the engine may keep references to them.
  const reads: Uint8Array[] = [];
  for (let start = 0; start < bytes.length; start += readBytes) reads.push(bytes.slice(start, start + readBytes));
  return reads;
}

const LF = 0x0a;
/** Room for the padding broadcast, zeros included. */
const RESERVE = 32;

/**
 * Exactly `total` bytes of the whole lines that fit from `stream`, then one
 * broadcast numbered `seq`, zero-padded (leading zeros are legal) to fill the
 * space. Lets a benchmark cycle over a pool of full-size reads without ever
 * gluing two half-lines together.
 */
export function exactBytes(stream: Uint8Array, total: number, seq: number): Uint8Array {
  if (stream.length < total) throw new Error(`exactBytes: ${stream.length} bytes do not fill ${total}`);
  const end = stream.lastIndexOf(LF, total - RESERVE - 1) + 1;
  const out = new Uint8Array(total);
  out.set(stream.subarray(0, end));
  const tail = `${seq}|B\r\n`;
  new TextEncoder().encodeInto("0".repeat(total - end - tail.length) + tail, out.subarray(end));
  return out;
}
