import { describe, expect, test } from "bun:test";
import { FollowGraph } from "../cluster/follow-graph.ts";
import type { OrderedEvents } from "../pipeline/ordered-events.ts";
import { FOLLOW } from "../protocol/event-kind.ts";
import { warmUp } from "./warm-up.ts";

describe("warmUp", () => {
  test("runs every event of its stream through the pipeline, none malformed, and notifies clients", () => {
    const report = warmUp("|".charCodeAt(0));
    expect(report.malformed).toBe(0);
    expect(report.applied).toBe(200_000);
    expect(report.notifications).toBeGreaterThan(report.applied);
  });

  test("writes its lines with the configured delimiter, so they parse as real traffic does", () => {
    const report = warmUp(";".charCodeAt(0));
    expect(report.malformed).toBe(0);
    expect(report.applied).toBe(200_000);
  });

  test("an edge's path, the stream's lines in order through FanOut.pushLines, takes every event too", () => {
    const report = warmUp("|".charCodeAt(0), { path: "ordered-lines" });
    expect(report.malformed).toBe(0);
    expect(report.applied).toBe(200_000);
    expect(report.notifications).toBeGreaterThan(report.applied);
  });

  test("given a sink of its own (the sequencer's appender), the engine feeds it every event and every cycle, and no client", () => {
    let events = 0;
    let lines = 0;
    let flushes = 0;
    let follows = 0;
    const graph = new FollowGraph();
    const sink: OrderedEvents = {
      event(_seq, kind, from, to, _line, _start, length) {
        events++;
        if (length > 0) lines++;
        if (kind === FOLLOW) follows++;
        graph.apply(kind, from, to);
      },
      skipped() {},
      flush() {
        flushes++;
      },
    };
    const report = warmUp("|".charCodeAt(0), { sink, timed: false });
    expect(report.applied).toBe(200_000);
    expect(events).toBe(200_000);
    expect(lines).toBe(200_000);
    expect(flushes).toBeGreaterThan(1_000);
    expect(report.notifications).toBe(0);
    // Unfollows undo follows, as real traffic's do, so the table's removal path is compiled too.
    expect(graph.edges).toBeLessThan(follows * 0.6);
  });
});
