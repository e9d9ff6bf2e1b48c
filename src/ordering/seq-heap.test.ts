import { describe, expect, test } from "bun:test";
import { Prng } from "../simulate/prng.ts";
import { SeqHeap } from "./seq-heap.ts";

/** Drains the heap, returning [seq, payload] pairs in pop order. */
function drain(heap: SeqHeap): [number, number][] {
  const out: [number, number][] = [];
  while (heap.size > 0) {
    const seq = heap.peekSeq();
    out.push([seq, heap.pop()]);
  }
  return out;
}

describe("SeqHeap", () => {
  test("empty heap: size 0 and peekSeq Infinity", () => {
    const heap = new SeqHeap();
    expect(heap.size).toBe(0);
    expect(heap.peekSeq()).toBe(Infinity);
  });

  test("pops in ascending sequence order and empties again", () => {
    const heap = new SeqHeap();
    for (const [seq, payload] of [
      [5, 50],
      [1, 10],
      [4, 40],
      [2, 20],
      [3, 30],
    ]) {
      heap.push(seq, payload);
    }
    expect(heap.size).toBe(5);
    expect(heap.peekSeq()).toBe(1);
    expect(drain(heap)).toEqual([
      [1, 10],
      [2, 20],
      [3, 30],
      [4, 40],
      [5, 50],
    ]);
    expect(heap.peekSeq()).toBe(Infinity);
  });

  test("equal sequence numbers come out in arrival order", () => {
    const heap = new SeqHeap();
    const prng = new Prng(7);
    // Payload = arrival index, so arrival order is payload order.
    const pushed: [number, number][] = [];
    for (let i = 0; i < 2000; i++) {
      const seq = prng.range(1, 20);
      heap.push(seq, i);
      pushed.push([seq, i]);
    }
    pushed.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    expect(drain(heap)).toEqual(pushed);
  });

  test("arrival order of ties holds across emptying and refilling", () => {
    const heap = new SeqHeap();
    heap.push(9, 1);
    heap.push(9, 2);
    expect(drain(heap)).toEqual([
      [9, 1],
      [9, 2],
    ]);
    heap.push(4, 3);
    heap.push(4, 4);
    heap.push(2, 5);
    heap.push(4, 6);
    expect(heap.pop()).toBe(5);
    heap.push(4, 7);
    expect(drain(heap)).toEqual([
      [4, 3],
      [4, 4],
      [4, 6],
      [4, 7],
    ]);
  });

  test("grows far beyond its initial capacity", () => {
    const heap = new SeqHeap(2);
    const prng = new Prng(11);
    const seqs = Array.from({ length: 10_000 }, (_, i) => i + 1);
    prng.shuffle(seqs);
    for (const seq of seqs) heap.push(seq, seq * 3);
    expect(heap.size).toBe(10_000);
    const popped = drain(heap);
    expect(popped).toEqual(Array.from({ length: 10_000 }, (_, i): [number, number] => [i + 1, (i + 1) * 3]));
  });

  test("keys near 2^53-1 stay exact and ordered", () => {
    const heap = new SeqHeap();
    const max = Number.MAX_SAFE_INTEGER;
    const seqs = [max, max - 1, max - 2, 2 ** 52, 2 ** 52 + 1, max - 3, 1, 2 ** 32 + 1, 2 ** 32];
    for (const [i, seq] of seqs.entries()) heap.push(seq, i);
    const popped = drain(heap);
    expect(popped.map(([seq]) => seq)).toEqual([...seqs].sort((a, b) => a - b));
    expect(popped.map(([, payload]) => seqs[payload])).toEqual(popped.map(([seq]) => seq));
    expect(popped.at(-1)).toEqual([max, 0]);
  });

  test("payloads cover the int32 range", () => {
    const heap = new SeqHeap();
    heap.push(2, 2 ** 31 - 1);
    heap.push(1, -(2 ** 31));
    heap.push(3, 0);
    expect(drain(heap)).toEqual([
      [1, -(2 ** 31)],
      [2, 2 ** 31 - 1],
      [3, 0],
    ]);
  });

  test("random interleaved pushes and pops match a sorted reference", () => {
    const prng = new Prng(0xc0ffee);
    const heap = new SeqHeap(4);
    // Kept sorted by (seq, arrival): pushes go after every equal seq, pops take the front.
    const reference: [number, number][] = []; // seq, payload
    for (let op = 0; op < 50_000; op++) {
      if (reference.length > 0 && prng.chance(0.45)) {
        const [seq, payload] = reference.shift() as [number, number];
        expect(heap.peekSeq()).toBe(seq);
        expect(heap.pop()).toBe(payload);
      } else {
        // A narrow key range forces many ties; a wide one exercises large keys.
        const seq = prng.chance(0.5) ? prng.range(1, 50) : prng.range(1, Number.MAX_SAFE_INTEGER);
        const payload = prng.int(2 ** 31);
        heap.push(seq, payload);
        let lo = 0;
        let hi = reference.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (reference[mid][0] <= seq) lo = mid + 1;
          else hi = mid;
        }
        reference.splice(lo, 0, [seq, payload]);
      }
      expect(heap.size).toBe(reference.length);
    }
    expect(drain(heap)).toEqual(reference);
    expect(heap.peekSeq()).toBe(Infinity);
  });
});
