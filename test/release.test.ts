/**
 * The release path: the workflows parse and use no third-party actions, the
 * files a release publishes have stable names that the README's install
 * section names, and the publish step uploads exactly those with this
 * version's CHANGELOG section as notes (run here against a stand-in `gh`).
 */
import { describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type Platform, releaseFile, TARGETS } from "../build.ts";
import pkg from "../package.json" with { type: "json" };
import { spawnSyncGuarded } from "./support/processes.ts";

const ROOT = resolve(import.meta.dir, "..");
const PLATFORMS = Object.keys(TARGETS) as Platform[];
const PUBLISHED = [...PLATFORMS.map(releaseFile), "SHA256SUMS"];

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string>;
}

function workflow(name: string): { on: unknown; permissions?: unknown; jobs: Record<string, { steps: Step[] }> } {
  return Bun.YAML.parse(readFileSync(resolve(ROOT, ".github/workflows", name), "utf8")) as ReturnType<typeof workflow>;
}

const release = workflow("release.yml");
const steps = Object.values(release.jobs).flatMap((job) => job.steps);
const step = (name: string): Step => {
  const found = steps.find((s) => s.name === name);
  expect(found, `a step named ${name}`).toBeDefined();
  return found as Step;
};

describe("release files", () => {
  test("are named by platform only, so the latest release has a stable address", () => {
    expect(PLATFORMS.map(releaseFile)).toEqual([
      "follower-maze-linux-x64",
      "follower-maze-linux-arm64",
      "follower-maze-darwin-x64",
      "follower-maze-darwin-arm64",
      "follower-maze-windows-x64.exe",
    ]);
  });

  test("are the ones the README's install section names", () => {
    const readme = readFileSync(resolve(ROOT, "README.md"), "utf8");
    const named = new Set([...readme.matchAll(/\bfollower-maze-(?:linux|darwin|windows)-\w+(?:\.exe)?/g)].map((match) => match[0]));
    expect([...named].sort()).toEqual(PLATFORMS.map(releaseFile).sort());
    // The names releases used to have, which no build writes any more.
    expect(readme).not.toMatch(/follower-maze-(?:<version>|\d)/);
  });
});

describe("release workflow", () => {
  test("runs on version tags, may write releases, and uses no third-party actions", () => {
    expect(release.on).toEqual({ push: { tags: ["v*"] } });
    expect(release.permissions).toEqual({ contents: "write" });
    for (const file of ["release.yml", "ci.yml"]) {
      const used = Object.values(workflow(file).jobs).flatMap((job) => job.steps.flatMap((s) => (s.uses ? [s.uses] : [])));
      expect(used.length).toBeGreaterThan(0);
      for (const action of used) expect(action).toMatch(/^actions\/(checkout|setup-node)@v\d+$/);
    }
  });

  test("runs the CI script, then builds every target and checks the sums and the version", () => {
    expect(step("ci").run?.trim()).toBe("bash .ci/run");
    const build = step("build every target").run ?? "";
    expect(build).toContain("bun run build --all --outdir release");
    expect(build).toContain("sha256sum --check SHA256SUMS");
    expect(build).toContain("--version");
  });

  test("publishes the five binaries and SHA256SUMS with this version's CHANGELOG section as notes", () => {
    const publish = step("publish");
    expect(publish.env?.GH_TOKEN).toMatch(/^\$\{\{ github\.token \}\}$/);
    const dir = mkdtempSync(join(tmpdir(), "follower-maze-release-"));
    try {
      mkdirSync(join(dir, "release"));
      mkdirSync(join(dir, "bin"));
      for (const file of PUBLISHED) writeFileSync(join(dir, "release", file), file);
      writeFileSync(join(dir, "CHANGELOG.md"), readFileSync(resolve(ROOT, "CHANGELOG.md")));
      // Stands in for GitHub's CLI: records its arguments, one a line.
      writeFileSync(join(dir, "bin/gh"), `#!/bin/sh\nprintf '%s\\n' "$@" > "${join(dir, "gh-args")}"\n`);
      chmodSync(join(dir, "bin/gh"), 0o755);
      const run = spawnSyncGuarded(["bash", "-c", publish.run ?? ""], {
        cwd: dir,
        env: { PATH: `${join(dir, "bin")}:${process.env.PATH}`, GITHUB_REF_NAME: `v${pkg.version}`, GH_TOKEN: "stand-in" },
        stderr: "pipe",
        timeout: 10_000,
      });
      expect(run.stderr.toString()).toBe("");
      expect(run.exitCode).toBe(0);
      const args = readFileSync(join(dir, "gh-args"), "utf8").trimEnd().split("\n");
      expect(args.slice(0, 3)).toEqual(["release", "create", `v${pkg.version}`]);
      expect(args.filter((arg) => arg.startsWith("release/")).sort()).toEqual(PUBLISHED.map((file) => `release/${file}`).sort());
      expect(args).toContain("--verify-tag");
      const notes = readFileSync(join(dir, "release-notes.md"), "utf8");
      expect(notes).toContain("### Added");
      expect(notes).not.toContain("## [");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("refuses to publish a version the CHANGELOG does not describe", () => {
    const dir = mkdtempSync(join(tmpdir(), "follower-maze-release-"));
    try {
      writeFileSync(join(dir, "CHANGELOG.md"), readFileSync(resolve(ROOT, "CHANGELOG.md")));
      const run = spawnSyncGuarded(["bash", "-c", step("publish").run ?? ""], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? "", GITHUB_REF_NAME: "v0.0.0-never" },
        stderr: "pipe",
        timeout: 10_000,
      });
      expect(run.exitCode).toBe(1);
      expect(run.stderr.toString()).toBe("CHANGELOG.md has no section for 0.0.0-never\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("bun run build's own flags", () => {
  const build = (...args: string[]) =>
    spawnSyncGuarded([process.execPath, "build.ts", ...args], { cwd: ROOT, stdout: "pipe", stderr: "pipe", timeout: 30_000 });

  test("--help prints the usage and exits 0 without building", () => {
    const run = build("--help");
    expect(run.exitCode).toBe(0);
    expect(run.stdout.toString()).toStartWith("Usage: bun run build [--all] [--outdir DIR]");
    expect(run.stdout.toString()).toContain(PLATFORMS.join(", "));
  });

  test("an unknown or incomplete flag is one line on stderr and exit 2, never a stack trace", () => {
    for (const args of [["--nope"], ["--outdir"]]) {
      const run = build(...args);
      expect(run.exitCode).toBe(2);
      const stderr = run.stderr.toString();
      expect(stderr.trim().split("\n")).toHaveLength(1);
      expect(stderr).toStartWith("build: ");
      expect(stderr).toContain("(see bun run build --help)");
    }
  });
});
