import { describe, expect, test } from "bun:test";
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
});
