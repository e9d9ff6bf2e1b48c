/**
 * heap: SeqHeap (parallel Float64Array/Int32Array, no object per entry) vs. a
 * binary heap of {seq, line} objects vs. sorting an array of them.
 *
 * Two workloads, each at 100 and 10,000 pending events:
 *  - hold: the classic priority-queue "hold model" — the heap stays at depth D;
 *    one iteration = peek + pop the smallest + push a later sequence number.
 *  - drain: D events arrive shuffled, then all come out in order; one
 *    iteration = D pushes + D pops (or build + sort + walk for the array).
 * The naive contenders allocate one object per event, as a naive server does.
 */
import { bench, do_not_optimize, group, summary } from "mitata";
import { SeqHeap } from "../../src/ordering/seq-heap.ts";
import { Prng } from "../../src/simulate/prng.ts";
import { NaiveHeap } from "./naive.ts";
import { rated } from "./report.ts";

interface SeqLine {
  seq: number;
  line: string;
}

const LINES = Array.from({ length: 256 }, (_, i) => `${i}|P|${i * 7}|${i * 13}`);
const OFFSETS = 1 << 16;

for (const depth of [100, 10_000]) {
  const rng = new Prng(depth);
  // Next key = popped key + offset: keys stay spread over a window of ~2·depth.
  const offsets = new Float64Array(OFFSETS);
  for (let i = 0; i < OFFSETS; i++) offsets[i] = rng.range(1, 2 * depth);
  const initial = Array.from({ length: depth }, () => rng.range(1, 2 * depth));

  group(`heap hold model: ${depth} pending, pop + push`, () => {
    summary(() => {
      const heap = new SeqHeap();
      for (let i = 0; i < depth; i++) heap.push(initial[i], i);
      let k = 0;
      bench(rated("heap", `SeqHeap hold @${depth}`, 1, "op"), () => {
        const seq = heap.peekSeq();
        const value = heap.pop();
        heap.push(seq + offsets[k++ & (OFFSETS - 1)], value);
        do_not_optimize(value);
      });

      const naive = new NaiveHeap<SeqLine>();
      for (let i = 0; i < depth; i++) naive.push({ seq: initial[i], line: LINES[i & 255] });
      let j = 0;
      bench(rated("heap", `object heap hold @${depth}`, 1, "op"), () => {
        const top = naive.pop() as SeqLine;
        naive.push({ seq: top.seq + offsets[j++ & (OFFSETS - 1)], line: top.line });
        do_not_optimize(top);
      }).baseline(true);
    });
  });

  // A full shuffle of depth consecutive sequence numbers.
  const keys = Array.from({ length: depth }, (_, i) => i + 1);
  rng.shuffle(keys);
  const expected = (depth * (depth + 1)) / 2;

  group(`heap drain: ${depth} shuffled events in, all out in order`, () => {
    summary(() => {
      const heap = new SeqHeap();
      bench(rated("heap", `SeqHeap drain @${depth}`, depth, "event"), () => {
        for (let i = 0; i < depth; i++) heap.push(keys[i], keys[i]);
        let sum = 0;
        for (let i = 0; i < depth; i++) sum += heap.pop();
        if (sum !== expected) throw new Error("SeqHeap drain lost events");
        do_not_optimize(sum);
      });

      const naive = new NaiveHeap<SeqLine>();
      bench(rated("heap", `object heap drain @${depth}`, depth, "event"), () => {
        for (let i = 0; i < depth; i++) naive.push({ seq: keys[i], line: LINES[i & 255] });
        let sum = 0;
        for (let i = 0; i < depth; i++) sum += (naive.pop() as SeqLine).seq;
        if (sum !== expected) throw new Error("object heap drain lost events");
        do_not_optimize(sum);
      }).baseline(true);

      bench(rated("heap", `array sort drain @${depth}`, depth, "event"), () => {
        const events: SeqLine[] = [];
        for (let i = 0; i < depth; i++) events.push({ seq: keys[i], line: LINES[i & 255] });
        events.sort((a, b) => a.seq - b.seq);
        let sum = 0;
        for (let i = 0; i < depth; i++) sum += events[i].seq;
        if (sum !== expected) throw new Error("array sort drain lost events");
        do_not_optimize(sum);
      });
    });
  });
}
