import { release } from "node:os";

/** Linux 6.12 or later: the first to give a thread the scheduler slice it asks for. */
export function kernelTakesSlices(): boolean {
  const [major = 0, minor = 0] = release().split(".").map(Number);
  return process.platform === "linux" && (major > 6 || (major === 6 && minor >= 12));
}
