/**
 * node:crypto, loaded the first time something asks for it. A static import
 * has Bun instantiate the module as the program starts, and what that
 * allocates stays (a compiled program that only listens: 2.4 MiB of
 * anonymous memory idle, 3.9 MiB with node:crypto imported; the idle server
 * 0.3–0.6 MiB less with it deferred), while only secrets and TLS files need
 * it, which most servers are never given.
 */
export function nodeCrypto(): typeof import("node:crypto") {
  return process.getBuiltinModule("node:crypto");
}
