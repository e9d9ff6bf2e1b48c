/** The README is the user's manual: it must not drift from the flag table or the scripts. */
import { describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import pkg from "../package.json" with { type: "json" };
import { envName } from "../src/cli/flags.ts";
import { SERVE_FLAGS } from "../src/cli/serve-flags.ts";

const readme = await Bun.file(resolve(import.meta.dir, "../README.md")).text();

describe("README", () => {
  test.each(Object.entries(SERVE_FLAGS))("documents --%s with its variable and default", (name, flag) => {
    const row = readme.split("\n").find((line) => line.startsWith(`| \`--${name} `));
    expect(row).toBeDefined();
    // Cells are split on unescaped pipes; the default cell is compared without markdown escapes.
    const cells = (row as string).split(/(?<!\\)\|/).map((cell) => cell.trim());
    expect(cells[2]).toBe(`\`${envName(name)}\``);
    expect(cells[3]?.replaceAll("`", "").replaceAll("\\|", "|")).toBe(flag.shownDefault ?? String(flag.default));
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
