import { describe, expect, test } from "bun:test";
import { SATURATED, SliceGovernor, UNSATURATED } from "./slice-governor.ts";

describe("SliceGovernor", () => {
  test("starts short, and stays short with room to spare", () => {
    const governor = new SliceGovernor();
    for (const busy of [0, 0.15, 0.69, SATURATED - 0.01]) expect(governor.observe(busy)).toBe(false);
    expect(governor.shortSlice).toBe(true);
  });

  test("gives the short slice up once saturated, and takes it back only well below", () => {
    const governor = new SliceGovernor();
    expect(governor.observe(SATURATED)).toBe(true);
    expect(governor.shortSlice).toBe(false);
    for (const busy of [1, 0.97, 0.85, UNSATURATED + 0.01]) expect(governor.observe(busy)).toBe(false);
    expect(governor.observe(UNSATURATED)).toBe(true);
    expect(governor.shortSlice).toBe(true);
  });

  test("a load between the two thresholds keeps whichever slice it found", () => {
    for (const saturatedFirst of [false, true]) {
      const governor = new SliceGovernor();
      if (saturatedFirst) governor.observe(1);
      for (let i = 0; i < 50; i++) expect(governor.observe(0.81 + (i % 9) / 100)).toBe(false);
      expect(governor.shortSlice).toBe(!saturatedFirst);
    }
  });
});
