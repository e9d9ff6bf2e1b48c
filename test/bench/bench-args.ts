/** What the end-to-end benchmark scripts share: choosing runs by name, and the binary they drive. */
import { resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "../..");

/** The runs named on the command line (all of `fallback` when none), or exit 2 naming the unknown ones. */
export function pickRuns(script: string, positionals: string[], known: Record<string, unknown>, fallback: string[]): string[] {
  const chosen = positionals.length > 0 ? positionals : fallback;
  const unknown = chosen.filter((name) => !(name in known));
  if (unknown.length > 0) {
    console.error(`${script}: unknown run ${unknown.join(", ")}; runs: ${Object.keys(known).join(", ")}`);
    process.exit(2);
  }
  return chosen;
}

/** `given` (--binary), or dist/follower-maze built now; exits 1 when the build fails. */
export function builtBinary(given: string | undefined): string {
  if (given !== undefined) return given;
  const build = Bun.spawnSync([process.execPath, "build.ts"], { cwd: ROOT, stdout: "inherit", stderr: "inherit" });
  if (build.exitCode !== 0) process.exit(1);
  return resolve(ROOT, "dist/follower-maze");
}
