import { readFileSync } from "node:fs";

/** Replaced with package.json's version by build.ts (`define`), so the binary carries its own. */
declare const FOLLOWER_MAZE_VERSION: string | undefined;

export const VERSION: string = typeof FOLLOWER_MAZE_VERSION === "string" ? FOLLOWER_MAZE_VERSION : versionFromSource();

/** Running from a checkout: package.json is beside src/. */
function versionFromSource(): string {
  const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  return manifest.version;
}
