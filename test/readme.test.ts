/** The README is the user's manual: it must not drift from the flag table or the scripts. */
import { describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import pkg from "../package.json" with { type: "json" };
import { EDGE_FLAGS, SEQUENCER_FLAGS } from "../src/cli/cluster-flags.ts";
import { envName, type FlagTable } from "../src/cli/flags.ts";
import { SERVE_FLAGS } from "../src/cli/serve-flags.ts";
import { SIMULATE_FLAGS } from "../src/cli/simulate-flags.ts";

const readme = await Bun.file(resolve(import.meta.dir, "../README.md")).text();

/** The lines of the README section under `heading`, up to the next heading of the same level. */
function section(heading: string): string[] {
  const lines = readme.split("\n");
  const start = lines.indexOf(heading);
  expect(start).toBeGreaterThanOrEqual(0);
  const level = heading.split(" ")[0] as string;
  const end = lines.findIndex((line, i) => i > start && line.startsWith(`${level} `));
  return lines.slice(start, end < 0 ? undefined : end);
}

function expectFlagRows(lines: string[], table: FlagTable): void {
  for (const [name, flag] of Object.entries(table)) {
    const row = lines.find((line) => line.startsWith(`| \`--${name} `));
    expect(row, `a row for --${name}`).toBeDefined();
    // Cells are split on unescaped pipes; the default cell is compared without markdown escapes.
    const cells = (row as string).split(/(?<!\\)\|/).map((cell) => cell.trim());
    expect(cells[2]).toBe(`\`${envName(name, table)}\``);
    expect(cells[3]?.replaceAll("`", "").replaceAll("\\|", "|")).toBe(flag.shownDefault ?? String(flag.default));
  }
}

describe("README", () => {
  test("documents every serve flag with its variable and default", () => {
    expectFlagRows(section("## Usage"), SERVE_FLAGS);
  });

  test("documents every simulate flag with its variable and default", () => {
    expectFlagRows(section("## Simulate"), SIMULATE_FLAGS);
  });

  test("documents the cluster's own flags, and which serve flags each role takes", () => {
    const lines = section("## Running a cluster");
    const own = (table: FlagTable) => Object.fromEntries(Object.entries(table).filter(([name]) => !(name in SERVE_FLAGS)));
    expectFlagRows(lines, { ...own(SEQUENCER_FLAGS), ...own(EDGE_FLAGS) });
    for (const [role, table] of [
      ["sequencer", SEQUENCER_FLAGS],
      ["edge", EDGE_FLAGS],
    ] as const) {
      const row = lines.find((line) => line.startsWith(`| ${role} |`));
      expect(row, `a row for ${role}`).toBeDefined();
      const listed = [...(row as string).matchAll(/`--([a-z-]+)`/g)].map((match) => match[1]).sort();
      expect(listed).toEqual(
        Object.keys(table)
          .filter((name) => name in SERVE_FLAGS)
          .sort(),
      );
    }
  });

  test("every script it tells people to run exists", () => {
    const mentioned = [...readme.matchAll(/\b(?:npm|bun) run (\w[\w:-]*)/g)].map((match) => match[1] as string);
    expect(mentioned.length).toBeGreaterThan(0);
    for (const script of new Set(mentioned)) expect(Object.keys(pkg.scripts)).toContain(script);
    expect(Object.keys(pkg.scripts)).toEqual(expect.arrayContaining(["start", "test", "typecheck", "build", "bench"]));
  });

  test("holds measured results, not placeholders", () => {
    expect(readme.match(/\b(?:LOAD|BENCH)_RESULTS\b|TODO|TBD/g) ?? []).toEqual([]);
  });
});
