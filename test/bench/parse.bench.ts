/**
 * parse: LineFramer + parseEventLine (in place over the read buffer, no
 * allocation per line) vs. decode → split("\r\n") → split("|") → Number().
 * One iteration = one 64 KiB read of a mixed event stream; the pool of reads
 * is cycled, and every read is exactly 64 KiB and ends on a line boundary.
 */
import { bench, do_not_optimize, group, summary } from "mitata";
import { BROADCAST, STATUS } from "../../src/protocol/event-kind.ts";
import { ParsedEvent, parseEventLine } from "../../src/protocol/event-line.ts";
import { LineFramer, type LineSink } from "../../src/protocol/line-framer.ts";
import { NaiveParser } from "./naive.ts";
import { rated } from "./report.ts";
import { eventReads, exactBytes } from "./stream.ts";

const READ_BYTES = 64 * 1024;
const POOL_READS = 16;
const DELIMITER = 0x7c;

/** Parses every line and folds it into a checksum the naive parser can reproduce. */
class ChecksumSink implements LineSink {
  readonly parsed = new ParsedEvent();
  sum = 0;
  lines = 0;
  bad = 0;

  line(buf: Uint8Array, start: number, end: number): void {
    this.lines++;
    const p = this.parsed;
    const kind = parseEventLine(buf, start, end, DELIMITER, p);
    if (kind <= 0) {
      this.bad++;
      return;
    }
    this.sum += kind === BROADCAST ? p.seq : kind === STATUS ? p.seq + p.from : p.seq + p.from + p.to;
  }

  oversized(): void {
    this.bad++;
  }
}

const POOL_BYTES = READ_BYTES * POOL_READS;
const EVENTS = 150_000;
const stream = exactBytes(eventReads(EVENTS, 1000, 1, POOL_BYTES)[0], POOL_BYTES, EVENTS + 1);
const pool = Array.from({ length: POOL_READS }, (_, i) => stream.slice(i * READ_BYTES, (i + 1) * READ_BYTES));

// Both parsers must agree before their speed means anything.
{
  const sink = new ChecksumSink();
  const framer = new LineFramer(1024, sink);
  const naive = new NaiveParser();
  let naiveSum = 0;
  for (const read of pool) {
    framer.push(read);
    naiveSum += naive.push(read);
  }
  if (sink.bad !== 0 || sink.lines !== naive.lines || sink.sum !== naiveSum || framer.pendingBytes !== 0) {
    throw new Error(`parse bench: parsers disagree (${sink.lines}/${sink.bad}/${sink.sum} vs ${naive.lines}/${naiveSum})`);
  }
}

const totalLines = pool.reduce((n, read) => n + read.reduce((k, b) => k + (b === 0x0a ? 1 : 0), 0), 0);
const linesPerRead = totalLines / POOL_READS;
console.log(`parse: ${POOL_READS} reads × ${READ_BYTES} B, ${linesPerRead.toFixed(0)} events per read on average`);

group("parse: one 64 KiB read of mixed events", () => {
  summary(() => {
    const sink = new ChecksumSink();
    const framer = new LineFramer(1024, sink);
    let k = 0;
    bench(rated("parse", "LineFramer + parseEventLine (in place)", linesPerRead, "event"), () => {
      framer.push(pool[k++ & (POOL_READS - 1)]);
      do_not_optimize(sink.sum);
    });

    const naive = new NaiveParser();
    let j = 0;
    bench(rated("parse", "naive decode + split + Number", linesPerRead, "event"), () => {
      do_not_optimize(naive.push(pool[j++ & (POOL_READS - 1)]));
    }).baseline(true);
  });
});
