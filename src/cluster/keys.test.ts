import { expect, test } from "bun:test";
import { clusterKeys, randomEpoch } from "./keys.ts";

test("every key of a cluster is under its prefix", () => {
  expect(clusterKeys("blue")).toEqual({ events: "blue:events", meta: "blue:meta", snapshot: "blue:snapshot", sequencer: "blue:sequencer" });
});

test("an epoch is 16 hex digits, a new one each time", () => {
  const epochs = new Set(Array.from({ length: 100 }, randomEpoch));
  expect(epochs.size).toBe(100);
  for (const epoch of epochs) expect(epoch).toMatch(/^[0-9a-f]{16}$/);
});
