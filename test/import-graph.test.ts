/**
 * The module graph of src/ has no cycles: no module imports another that
 * imports it back, directly or through others. Type-only imports count too,
 * since they tie the modules' meanings together just the same.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";

const SRC = resolve(import.meta.dir, "../src");
const IMPORT = /^\s*(?:import|export)\s[^;]*?\sfrom\s+"(\.{1,2}\/[^"]+)"|\bimport\("(\.{1,2}\/[^"]+)"\)/gm;

function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const files = [...new Bun.Glob("**/*.ts").scanSync(SRC)].filter((file) => !file.endsWith(".test.ts"));
  for (const file of files) {
    const path = resolve(SRC, file);
    const text = readFileSync(path, "utf8");
    const targets = [...text.matchAll(IMPORT)].map((match) => relative(SRC, resolve(dirname(path), (match[1] ?? match[2]) as string)));
    graph.set(file, targets);
  }
  return graph;
}

/** Every cycle found by a depth-first walk, each as the path that closes it. */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (node: string) => {
    state.set(node, "open");
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === "open") found.push([...path.slice(path.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(node, "done");
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return found;
}

describe("import graph of src/", () => {
  test("the parser sees the imports (a graph with no edges would pass vacuously)", () => {
    const graph = importGraph();
    expect(graph.get("main.ts")).toContain("cli/commands.ts");
    // Loaded when their command runs (import()): edges all the same.
    expect(graph.get("cli/commands.ts")).toContain("cli/simulate.ts");
    expect(graph.get("server/server.ts")).toContain("engine/engine.ts");
    // Type-only imports are edges too.
    expect(graph.get("metrics/server-metrics.ts")).toContain("metrics/server-stats.ts");
  });

  test("the cycle finder finds a cycle when there is one", () => {
    const graph = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["c.ts"]],
      ["c.ts", ["a.ts"]],
      ["d.ts", ["a.ts"]],
    ]);
    expect(cycles(graph)).toEqual([["a.ts", "b.ts", "c.ts", "a.ts"]]);
  });

  test("no module may import another that imports it back", () => {
    expect(cycles(importGraph()).map((cycle) => cycle.join(" → "))).toEqual([]);
  });
});
