import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { selfSignedCertificate } from "../../test/support/self-signed.ts";
import { thrownMessage } from "../../test/support/thrown.ts";
import { UsageError } from "../errors.ts";
import { parseFlags } from "./flags.ts";
import { serverConfig } from "./serve-config.ts";
import { SERVE_FLAGS } from "./serve-flags.ts";

const dir = mkdtempSync(join(tmpdir(), "follower-maze-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const tls = selfSignedCertificate();
const certFile = join(dir, "cert.pem");
const keyFile = join(dir, "key.pem");
writeFileSync(certFile, tls.cert);
writeFileSync(keyFile, tls.key);

const SECRET = "0123456789abcdef";
const configFrom = (argv: string[], env: Record<string, string>) => {
  const parsed = parseFlags(SERVE_FLAGS, argv, env);
  return serverConfig(parsed.values, parsed.origin);
};
const config = (...argv: string[]) => configFrom(argv, {});

const usageError = (...argv: string[]) => thrownMessage(() => config(...argv), UsageError);
const usageErrorFrom = (argv: string[], env: Record<string, string>) => thrownMessage(() => configFrom(argv, env), UsageError);

describe("serverConfig", () => {
  test("by default every security option is off", () => {
    expect(config()).toMatchObject({ eventTls: null, clientTls: null, clientSecret: null, sourceSecret: null, maxClients: 0 });
  });

  test.each([
    [[], true, true],
    [["--tls-ports", "events"], true, false],
    [["--tls-ports", "clients"], false, true],
    [["--tls-ports", "clients,events"], true, true],
  ])("a certificate with %j serves TLS on events: %p, clients: %p", (ports, events, clients) => {
    const chosen = config("--tls-cert", certFile, "--tls-key", keyFile, ...ports);
    expect([chosen.eventTls, chosen.clientTls]).toEqual([events ? tls : null, clients ? tls : null]);
  });

  test("passes the secrets and the client limit through", () => {
    expect(config("--client-secret", SECRET, "--source-secret", `${SECRET}!`, "--max-clients", "10")).toMatchObject({
      clientSecret: SECRET,
      sourceSecret: `${SECRET}!`,
      maxClients: 10,
    });
  });

  test.each([
    [["--tls-cert", "c.pem"], "--tls-cert: needs --tls-key (or FOLLOWER_MAZE_TLS_KEY) too"],
    [["--tls-key", "k.pem"], "--tls-key: needs --tls-cert (or FOLLOWER_MAZE_TLS_CERT) too"],
    [["--tls-ports", "events"], "--tls-ports: needs --tls-cert (or FOLLOWER_MAZE_TLS_CERT) and --tls-key (or FOLLOWER_MAZE_TLS_KEY)"],
    [["--client-secret", SECRET, "--max-line-bytes", "74"], "--max-line-bytes: must be at least 75 with --client-secret, to hold a user id and its token"],
    [["--source-secret", SECRET, "--max-line-bytes", "20"], "--max-line-bytes: must be at least 21 with this --source-secret, to hold its AUTH line"],
    [
      ["--client-secret", SECRET, "--source-secret", SECRET],
      "--source-secret: must differ from --client-secret (every event source would hold the key to all user tokens)",
    ],
    [["--max-client-buffer", "1024", "--max-line-bytes", "2048"], "--max-client-buffer: must hold at least one line (--max-line-bytes + 2 = 2050 bytes)"],
  ])("%j is a usage error", (argv, message) => {
    expect(usageError(...argv)).toBe(message);
  });

  test("a mistake across flags names the variable when the value came from the environment", () => {
    expect(usageErrorFrom([], { FOLLOWER_MAZE_TLS_CERT: "/x" })).toBe("FOLLOWER_MAZE_TLS_CERT: needs --tls-key (or FOLLOWER_MAZE_TLS_KEY) too");
    expect(usageErrorFrom([], { FOLLOWER_MAZE_TLS_PORTS: "events" })).toStartWith("FOLLOWER_MAZE_TLS_PORTS: needs --tls-cert");
    expect(usageErrorFrom(["--max-line-bytes", "20"], { FOLLOWER_MAZE_SOURCE_SECRET: SECRET })).toBe(
      "--max-line-bytes: must be at least 21 with this FOLLOWER_MAZE_SOURCE_SECRET, to hold its AUTH line",
    );
    expect(usageErrorFrom(["--client-port", "5555"], { FOLLOWER_MAZE_EVENT_PORT: "5555" })).toBe(
      "--client-port: port 5555 is already given to FOLLOWER_MAZE_EVENT_PORT; each listener needs its own port (0 picks a free one)",
    );
  });

  test.each([
    [["--event-port", "5555", "--client-port", "5555"], "--client-port: port 5555 is already given to --event-port"],
    [["--event-port", "5555", "--metrics-port", "5555"], "--metrics-port: port 5555 is already given to --event-port"],
    [["--client-port", "5556", "--metrics-port", "5556"], "--metrics-port: port 5556 is already given to --client-port"],
  ])("%j: two listeners on one port is a usage error", (argv, message) => {
    expect(usageError(...argv)).toStartWith(message);
  });

  test("port 0 (any free port) may be given to every listener", () => {
    expect(config("--event-port", "0", "--client-port", "0", "--metrics-port", "0")).toMatchObject({ eventPort: 0, clientPort: 0, metricsPort: 0 });
  });

  test("the longest handshake and AUTH line fit exactly at the minimum line length", () => {
    expect(config("--client-secret", SECRET, "--max-line-bytes", "75").maxLineBytes).toBe(75);
    expect(config("--source-secret", SECRET, "--max-line-bytes", "21").maxLineBytes).toBe(21);
  });
});
