/**
 * The straightforward alternatives the optimised design is measured against:
 * what a reasonable first implementation in idiomatic TypeScript looks like.
 * They are meant to be fair (no deliberate slowness): one shared TextDecoder,
 * temp-variable swaps, Map/Set used the ordinary way.
 */

import type { ByteWriter } from "../../src/routing/outbox.ts";

/** A binary min-heap of objects ordered by their `seq` field. */
export class NaiveHeap<T extends { seq: number }> {
  private items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p].seq <= a[i].seq) break;
      const t = a[p];
      a[p] = a[i];
      a[i] = t;
      i = p;
    }
  }

  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l].seq < a[m].seq) m = l;
        if (r < a.length && a[r].seq < a[m].seq) m = r;
        if (m === i) break;
        const t = a[m];
        a[m] = a[i];
        a[i] = t;
        i = m;
      }
    }
    return top;
  }
}

/**
 * Decode, split on CRLF, split on "|", convert the numbers: the
 * `new TextDecoder().decode(chunk).split("\r\n").map(l => l.split("|"))` way.
 * Returns a checksum (Σ seq + from + to) so the work cannot be elided.
 */
export class NaiveParser {
  private readonly decoder = new TextDecoder();
  private carry = "";
  lines = 0;

  push(chunk: Uint8Array): number {
    const text = this.carry + this.decoder.decode(chunk);
    const lines = text.split("\r\n");
    this.carry = lines.pop() as string;
    const rows = lines.map((l) => l.split("|"));
    let sum = 0;
    for (const fields of rows) {
      this.lines++;
      const seq = Number(fields[0]);
      if (!Number.isSafeInteger(seq) || seq < 1) continue;
      const from = fields.length > 2 ? Number(fields[2]) : 0;
      const to = fields.length > 3 ? Number(fields[3]) : 0;
      sum += seq + from + to;
    }
    return sum;
  }
}

interface NaiveEvent {
  seq: number;
  type: string;
  from: number;
  to: number;
  line: string;
}

class NaiveClient {
  pending = "";
  constructor(
    readonly user: number,
    readonly writer: ByteWriter,
  ) {}
}

/**
 * The whole server core done the obvious way: string parsing, every event
 * through an object heap, Map<number, Set<number>> graph, per-client string
 * concatenation encoded once per read.
 */
export class NaiveServer {
  private readonly decoder = new TextDecoder();
  private readonly encoder = new TextEncoder();
  private carry = "";
  private next: number;
  private readonly heap = new NaiveHeap<NaiveEvent>();
  private readonly followers = new Map<number, Set<number>>();
  private readonly byUser = new Map<number, NaiveClient[]>();
  private readonly all: NaiveClient[] = [];
  private readonly dirty: NaiveClient[] = [];
  applied = 0;
  notifications = 0;

  constructor(startSeq: number) {
    this.next = startSeq;
  }

  connect(user: number, writer: ByteWriter): void {
    const client = new NaiveClient(user, writer);
    let list = this.byUser.get(user);
    if (!list) {
      list = [];
      this.byUser.set(user, list);
    }
    list.push(client);
    this.all.push(client);
  }

  /** One read from the event source, then one write per client that got anything. */
  push(chunk: Uint8Array): void {
    const text = this.carry + this.decoder.decode(chunk);
    const lines = text.split("\r\n");
    this.carry = lines.pop() as string;
    for (const line of lines) {
      const f = line.split("|");
      const seq = Number(f[0]);
      if (!Number.isSafeInteger(seq) || seq < 1 || seq < this.next) continue;
      this.heap.push({ seq, type: f[1], from: Number(f[2]), to: Number(f[3]), line });
      for (;;) {
        const top = this.heap.peek();
        if (top === undefined || top.seq > this.next) break;
        this.heap.pop();
        if (top.seq < this.next) continue; // duplicate
        this.next++;
        this.applied++;
        this.apply(top);
      }
    }
    this.flush();
  }

  private apply(e: NaiveEvent): void {
    switch (e.type) {
      case "F": {
        let set = this.followers.get(e.to);
        if (!set) {
          set = new Set();
          this.followers.set(e.to, set);
        }
        set.add(e.from);
        this.sendTo(e.to, e.line);
        return;
      }
      case "U":
        this.followers.get(e.to)?.delete(e.from);
        return;
      case "B":
        for (const c of this.all) this.enqueue(c, e.line);
        return;
      case "P":
        this.sendTo(e.to, e.line);
        return;
      case "S": {
        const set = this.followers.get(e.from);
        if (set) for (const f of set) this.sendTo(f, e.line);
        return;
      }
    }
  }

  private sendTo(user: number, line: string): void {
    const list = this.byUser.get(user);
    if (list) for (const c of list) this.enqueue(c, line);
  }

  private enqueue(c: NaiveClient, line: string): void {
    if (c.pending === "") this.dirty.push(c);
    c.pending += `${line}\r\n`;
    this.notifications++;
  }

  private flush(): void {
    for (const c of this.dirty) {
      const bytes = this.encoder.encode(c.pending);
      c.writer.write(bytes, 0, bytes.length);
      c.pending = "";
    }
    this.dirty.length = 0;
  }
}
