/**
 * Builds the self-contained `follower-maze` executable.
 *
 *   bun run build          dist/follower-maze for this machine
 *   bun run build --all    every release target, plus dist/SHA256SUMS
 *
 * Release files are named by platform only (follower-maze-linux-x64), never by
 * version, so ".../releases/latest/download/follower-maze-linux-x64" always
 * names the newest one; the version is the release's tag and `--version`.
 * The version comes from package.json and is compiled in. The binary never
 * reads bunfig.toml, .env, tsconfig.json or package.json from where it runs:
 * its behaviour depends only on its flags and FOLLOWER_MAZE_* variables.
 * Never strip the result: the program lives in a section `strip` removes.
 */
import { mkdirSync, rmSync } from "node:fs";
import { basename, resolve } from "node:path";
import { parseArgs } from "node:util";
import pkg from "./package.json" with { type: "json" };
import { errorMessage } from "./src/errors.ts";

export const TARGETS = {
  "linux-x64": "bun-linux-x64",
  "linux-arm64": "bun-linux-arm64",
  "darwin-x64": "bun-darwin-x64",
  "darwin-arm64": "bun-darwin-arm64",
  "windows-x64": "bun-windows-x64",
} as const satisfies Record<string, Bun.Build.CompileTarget>;

export type Platform = keyof typeof TARGETS;

/** The file a release publishes for `platform`: the same name in every release. */
export function releaseFile(platform: Platform): string {
  return `follower-maze-${platform}${platform.startsWith("windows") ? ".exe" : ""}`;
}

async function compile(outfile: string, target?: Bun.Build.CompileTarget): Promise<string> {
  const result = await Bun.build({
    // The simulator's client thread is loaded with `new Worker`, so it must be an entry point of its own.
    entrypoints: [resolve(import.meta.dir, "src/main.ts"), resolve(import.meta.dir, "src/simulate/fleet-worker.ts")],
    minify: true,
    sourcemap: "none",
    define: { FOLLOWER_MAZE_VERSION: JSON.stringify(pkg.version) },
    compile: {
      ...(target ? { target } : {}),
      outfile,
      autoloadBunfig: false,
      autoloadDotenv: false,
      autoloadTsconfig: false,
      autoloadPackageJson: false,
    },
  });
  if (!result.success) {
    for (const log of result.logs) console.error(log);
    throw new Error(`build failed for ${target ?? "this machine"}`);
  }
  return outfile;
}

async function sha256(path: string): Promise<string> {
  const hasher = new Bun.CryptoHasher("sha256");
  hasher.update(await Bun.file(path).arrayBuffer());
  return hasher.digest("hex");
}

const USAGE = `Usage: bun run build [--all] [--outdir DIR]
  Builds DIR/follower-maze (DIR defaults to dist) for this machine; --all builds every
  release target (${Object.keys(TARGETS).join(", ")}) and writes DIR/SHA256SUMS.
`;

/** A usage error is one line and exit 2, as for the binary's own commands; --help prints the usage. */
function options(): { all: boolean; outdir: string } {
  let values: { all: boolean; outdir: string; help: boolean };
  try {
    ({ values } = parseArgs({
      args: Bun.argv.slice(2),
      options: { all: { type: "boolean", default: false }, outdir: { type: "string", default: "dist" }, help: { type: "boolean", short: "h", default: false } },
    }));
  } catch (error) {
    console.error(`build: ${errorMessage(error)} (see bun run build --help)`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  return values;
}

async function main(): Promise<void> {
  const args = options();
  const outdir = resolve(import.meta.dir, args.outdir);
  mkdirSync(outdir, { recursive: true });
  if (!args.all) {
    const outfile = await compile(resolve(outdir, "follower-maze"));
    console.log(`built ${outfile} (follower-maze ${pkg.version})`);
    return;
  }
  const sums: string[] = [];
  for (const [platform, target] of Object.entries(TARGETS) as [Platform, Bun.Build.CompileTarget][]) {
    const outfile = resolve(outdir, releaseFile(platform));
    rmSync(outfile, { force: true });
    await compile(outfile, target);
    sums.push(`${await sha256(outfile)}  ${basename(outfile)}`);
    console.log(`built ${outfile}`);
  }
  await Bun.write(resolve(outdir, "SHA256SUMS"), `${sums.join("\n")}\n`);
  console.log(`wrote ${resolve(outdir, "SHA256SUMS")} (follower-maze ${pkg.version})`);
}

// Imported by the release tests for the file names; only `bun build.ts` builds.
if (import.meta.main) {
  await main().catch((error: unknown) => {
    console.error(`build: ${errorMessage(error)}`);
    process.exit(1);
  });
}
