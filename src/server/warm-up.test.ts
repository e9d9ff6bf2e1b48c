import { describe, expect, test } from "bun:test";
import type { OrderedEvents } from "../pipeline/ordered-events.ts";
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
    const report = warmUp("|".charCodeAt(0), "ordered-lines");
    expect(report.malformed).toBe(0);
    expect(report.applied).toBe(200_000);
    expect(report.notifications).toBeGreaterThan(report.applied);
  });

  test("given a sink of its own (the sequencer's appender), the engine feeds it every event and every cycle, and no client", () => {
    let events = 0;
    let lines = 0;
    let flushes = 0;
    const sink: OrderedEvents = {
      event(_seq, _kind, _from, _to, _line, _start, length) {
        events++;
        if (length > 0) lines++;
      },
      skipped() {},
      flush() {
        flushes++;
      },
    };
    const report = warmUp("|".charCodeAt(0), "engine", sink);
    expect(report.applied).toBe(200_000);
    expect(events).toBe(200_000);
    expect(lines).toBe(200_000);
    expect(flushes).toBeGreaterThan(1_000);
    expect(report.notifications).toBe(0);
  });
});
