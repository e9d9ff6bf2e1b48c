import { describe, expect, test } from "bun:test";
import { Prng } from "../simulate/prng.ts";
import { LineFramer, type LineSink } from "./line-framer.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const bytes = (s: string) => encoder.encode(s);

type Event = { line: string } | { oversized: number };

/** Records what the framer hands over, keeping the raw (buf, start, end) triples too. */
class Collector implements LineSink {
  readonly events: Event[] = [];
  readonly refs: { buf: Uint8Array; start: number; end: number; copy: string }[] = [];

  line(buf: Uint8Array, start: number, end: number): void {
    const text = decoder.decode(buf.subarray(start, end));
    this.events.push({ line: text });
    this.refs.push({ buf, start, end, copy: text });
  }

  oversized(length: number): void {
    this.events.push({ oversized: length });
  }
}

/** What a correct framer must report for `text`: complete lines, and the raw length of the unterminated rest. */
function reference(text: string, max: number): { events: Event[]; pending: number } {
  const parts = text.split("\n");
  const rest = parts.pop() as string;
  const events: Event[] = parts.map((part) => {
    const line = part.endsWith("\r") ? part.slice(0, -1) : part;
    return line.length > max ? { oversized: line.length } : { line };
  });
  return { events, pending: rest.length };
}

/** Feeds `text` cut at `cuts` (sorted byte offsets); returns what was seen and what reset() dropped. */
function feed(text: string, max: number, cuts: number[]): { events: Event[]; dropped: number; sink: Collector } {
  const sink = new Collector();
  const framer = new LineFramer(max, sink);
  const all = bytes(text);
  let from = 0;
  for (const cut of [...cuts, all.length]) {
    // slice(): every chunk is its own buffer, as reads are.
    framer.push(all.slice(from, cut));
    from = cut;
  }
  return { events: sink.events, dropped: framer.reset(), sink };
}

function lines(...texts: string[]): Event[] {
  return texts.map((line) => ({ line }));
}

describe("LineFramer: terminators", () => {
  test("CRLF and bare LF both end a line; empty lines are delivered", () => {
    expect(feed("a\r\nb\nc\r\n\n\r\nlast\n", 100, []).events).toEqual(lines("a", "b", "c", "", "", "last"));
  });

  test("a CR is stripped only right before LF", () => {
    expect(feed("a\rb\n", 100, []).events).toEqual(lines("a\rb"));
    expect(feed("\ra\n", 100, []).events).toEqual(lines("\ra"));
    expect(feed("a\r\r\n", 100, []).events).toEqual(lines("a\r"));
    expect(feed("\r\r\n\r\n", 100, []).events).toEqual(lines("\r", ""));
  });

  test("a line without its terminator stays pending", () => {
    const sink = new Collector();
    const framer = new LineFramer(100, sink);
    framer.push(bytes("1|B\r\n2|B"));
    expect(sink.events).toEqual(lines("1|B"));
    expect(framer.pendingBytes).toBe(3);
    framer.push(bytes("\r"));
    expect(framer.pendingBytes).toBe(4);
    expect(sink.events).toHaveLength(1);
    framer.push(bytes("\n"));
    expect(sink.events).toEqual(lines("1|B", "2|B"));
    expect(framer.pendingBytes).toBe(0);
  });

  test("an empty chunk changes nothing", () => {
    const sink = new Collector();
    const framer = new LineFramer(100, sink);
    framer.push(new Uint8Array(0));
    framer.push(bytes("ab"));
    framer.push(new Uint8Array(0));
    framer.push(bytes("c\n"));
    expect(sink.events).toEqual(lines("abc"));
  });
});

describe("LineFramer: zero copy", () => {
  test("lines inside one chunk are offsets into that chunk", () => {
    const chunk = bytes("1|B\r\n22|P|1|2\n333|S|4\r\n");
    const sink = new Collector();
    new LineFramer(100, sink).push(chunk);
    expect(sink.refs.map(({ buf, start, end }) => [buf === chunk, start, end])).toEqual([
      [true, 0, 3],
      [true, 5, 13],
      [true, 14, 21],
    ]);
  });

  test("after a line spanning chunks, later lines of the chunk are offsets into it again", () => {
    const second = bytes("B\r\n2|B\n");
    const sink = new Collector();
    const framer = new LineFramer(100, sink);
    framer.push(bytes("1|"));
    framer.push(second);
    expect(sink.events).toEqual(lines("1|B", "2|B"));
    expect(sink.refs[0].buf).not.toBe(second);
    expect(sink.refs[1]).toMatchObject({ buf: second, start: 3, end: 6 });
  });

  test("a spanning line's copy is not overwritten by later input", () => {
    const sink = new Collector();
    const framer = new LineFramer(100, sink);
    framer.push(bytes("1|F|"));
    framer.push(bytes("2|3\n4|P|"));
    framer.push(bytes("5|6\n7|S|"));
    framer.push(bytes("8\n"));
    expect(sink.refs.map(({ buf, start, end }) => decoder.decode(buf.subarray(start, end)))).toEqual(sink.refs.map(({ copy }) => copy));
    expect(sink.events).toEqual(lines("1|F|2|3", "4|P|5|6", "7|S|8"));
  });
});

describe("LineFramer: chunk boundaries", () => {
  const text = "1|F|60|50\r\n\r\n2|B\n33|S|7\r\n\r\r\n4|P|1|2\r\nrest";

  test("every split into two chunks gives the same lines", () => {
    const expected = reference(text, 100);
    for (let cut = 0; cut <= text.length; cut++) {
      const { events, dropped } = feed(text, 100, [cut]);
      expect({ cut, events, dropped }).toEqual({ cut, events: expected.events, dropped: expected.pending });
    }
  });

  test("every split into three chunks gives the same lines", () => {
    const expected = reference(text, 100);
    for (let a = 0; a <= text.length; a++) {
      for (let b = a; b <= text.length; b++) {
        const { events, dropped } = feed(text, 100, [a, b]);
        expect({ a, b, events, dropped }).toEqual({ a, b, events: expected.events, dropped: expected.pending });
      }
    }
  });

  test("one byte per chunk gives the same lines", () => {
    const cuts = Array.from({ length: text.length }, (_, i) => i + 1);
    expect(feed(text, 100, cuts).events).toEqual(reference(text, 100).events);
  });

  test("lines either side of the prefix scanned before indexOf (47–49 bytes, and longer) end where their LF is, at every split", () => {
    const long = [1, 46, 47, 48, 49, 50, 200, 3000].map((length) => "x".repeat(length));
    const text = `${long.join("\r\n")}\r\n${long.join("\n")}\nrest`;
    expect(feed(text, 5000, []).events).toEqual(lines(...long, ...long));
    for (let cut = 1; cut < text.length; cut += 7) expect(feed(text, 5000, [cut]).events).toEqual(lines(...long, ...long));
  });

  test("many lines in one chunk", () => {
    const many = Array.from({ length: 5000 }, (_, i) => `${i + 1}|B`);
    const { events } = feed(`${many.join("\r\n")}\r\n`, 100, []);
    expect(events).toEqual(lines(...many));
  });
});

describe("LineFramer: maximum line length", () => {
  const MAX = 8;
  const fits = "a".repeat(MAX);
  const over = "b".repeat(MAX + 1);

  test.each([
    ["LF", "\n"],
    ["CRLF", "\r\n"],
  ])("a line of exactly maxLineBytes is accepted and one more byte is not, at every split (%s)", (_, eol) => {
    const text = `${fits}${eol}${over}${eol}next${eol}`;
    for (let a = 0; a <= text.length; a++) {
      for (let b = a; b <= text.length; b++) {
        const { events, dropped } = feed(text, MAX, [a, b]);
        expect({ a, b, events, dropped }).toEqual({ a, b, events: [{ line: fits }, { oversized: MAX + 1 }, { line: "next" }], dropped: 0 });
      }
    }
  });

  test("a CR before the LF is terminator, not content, but a CR elsewhere is content", () => {
    expect(feed(`${fits}\r\n`, MAX, []).events).toEqual(lines(fits));
    expect(feed(`${fits}\r\n`, MAX, [MAX + 1]).events).toEqual(lines(fits));
    expect(feed(`${"a".repeat(MAX - 1)}\r\r\n`, MAX, []).events).toEqual(lines(`${"a".repeat(MAX - 1)}\r`));
    expect(feed(`${fits}\r\r\n`, MAX, []).events).toEqual([{ oversized: MAX + 1 }]);
    expect(feed(`${fits}\r\r\n`, MAX, [MAX + 1]).events).toEqual([{ oversized: MAX + 1 }]);
  });

  test("an oversized line spanning many chunks is skipped without buffering and reported once", () => {
    const sink = new Collector();
    const framer = new LineFramer(MAX, sink);
    framer.push(bytes("1|B\nxxxx"));
    for (let i = 0; i < 1000; i++) {
      framer.push(bytes("x".repeat(100)));
      // Nothing of the long line is kept beyond the framer's own fixed buffer.
      expect(framer.pendingBytes).toBe(0);
    }
    framer.push(bytes("xx\r"));
    framer.push(bytes("\n2|B\n"));
    expect(sink.events).toEqual([{ line: "1|B" }, { oversized: 4 + 100_000 + 2 }, { line: "2|B" }]);
    expect(framer.reset()).toBe(0);
  });

  test("an oversized line ending in a chunk of its own still reports its length once", () => {
    const { events } = feed(`${over}${over}\nok\n`, MAX, [3, 2 * MAX + 2]);
    expect(events).toEqual([{ oversized: 2 * MAX + 2 }, { line: "ok" }]);
  });

  test("many oversized and good lines in one chunk", () => {
    const text = `${over}\n${fits}\r\n${over}${over}\r\n\n${over}\n`;
    expect(feed(text, MAX, []).events).toEqual([{ oversized: MAX + 1 }, { line: fits }, { oversized: 2 * MAX + 2 }, { line: "" }, { oversized: MAX + 1 }]);
  });
});

describe("LineFramer: reset", () => {
  test("returns the bytes of the unterminated line and forgets it", () => {
    const sink = new Collector();
    const framer = new LineFramer(100, sink);
    expect(framer.reset()).toBe(0);
    framer.push(bytes("1|B\n2|"));
    expect(framer.reset()).toBe(2);
    expect(framer.pendingBytes).toBe(0);
    framer.push(bytes("3|B\n"));
    expect(sink.events).toEqual(lines("1|B", "3|B"));
    expect(framer.reset()).toBe(0);
  });

  test("returns the bytes of a skipped oversized line and forgets it", () => {
    const sink = new Collector();
    const framer = new LineFramer(4, sink);
    framer.push(bytes("abc"));
    framer.push(bytes("defg"));
    framer.push(bytes("hi"));
    expect(framer.reset()).toBe(9);
    framer.push(bytes("ok\n"));
    expect(sink.events).toEqual(lines("ok"));
  });
});

describe("LineFramer: redirect", () => {
  /** Takes the first line itself, then redirects to `next` and passes on whatever still reaches it. */
  class Gate extends Collector {
    framer!: LineFramer;
    passedOn = 0;
    constructor(readonly next: Collector) {
      super();
    }
    override line(buf: Uint8Array, start: number, end: number): void {
      if (this.events.length > 0) {
        this.passedOn++;
        this.next.line(buf, start, end);
        return;
      }
      super.line(buf, start, end);
      this.framer.redirect(this.next);
    }
  }

  test.each([
    ["the first line inside one read", ["AUTH\n1|B\n2|B\n", "3|B\n"], 2],
    ["the first line spanning reads", ["AU", "TH\n1|B\n2|B\n", "3|B\n"], 0],
  ])("with %s, the next push goes straight to the new sink", (_, chunks, passedOn) => {
    const next = new Collector();
    const gate = new Gate(next);
    gate.framer = new LineFramer(100, gate);
    for (const chunk of chunks) gate.framer.push(bytes(chunk));
    expect(gate.events).toEqual(lines("AUTH"));
    expect(next.events).toEqual(lines("1|B", "2|B", "3|B"));
    expect(gate.passedOn).toBe(passedOn);
  });
});

describe("LineFramer: randomized against a reference splitter", () => {
  test("random lines, terminators and chunkings", () => {
    const prng = new Prng(20240611);
    const alphabet = "0123456789|FUBPS\r";
    for (let round = 0; round < 400; round++) {
      const max = prng.range(1, 40);
      let text = "";
      const count = prng.range(0, 30);
      for (let i = 0; i < count; i++) {
        const length = prng.chance(0.2) ? prng.range(max - 1, max * 4) : prng.range(0, max);
        for (let j = 0; j < length; j++) text += alphabet[prng.int(alphabet.length)];
        text += prng.chance(0.5) ? "\r\n" : "\n";
      }
      if (prng.chance(0.5)) text += "tail".slice(0, prng.range(1, 4));
      const cuts: number[] = [];
      for (let at = 0; at < text.length; ) {
        at += prng.chance(0.3) ? 1 : prng.range(1, 3 * max);
        if (at < text.length) cuts.push(at);
      }
      const expected = reference(text, max);
      const { events, dropped } = feed(text, max, cuts);
      expect({ round, events, dropped }).toEqual({ round, events: expected.events, dropped: expected.pending });
    }
  });
});
