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
const config = (...argv: string[]) => serverConfig(parseFlags(SERVE_FLAGS, argv, {}).values);

const usageError = (...argv: string[]) => thrownMessage(() => config(...argv), UsageError);

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
    [["--tls-cert", "c.pem"], "--tls-cert: needs --tls-key too"],
    [["--tls-key", "k.pem"], "--tls-key: needs --tls-cert too"],
    [["--tls-ports", "events"], "--tls-ports: needs --tls-cert and --tls-key"],
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

  test("the longest handshake and AUTH line fit exactly at the minimum line length", () => {
    expect(config("--client-secret", SECRET, "--max-line-bytes", "75").maxLineBytes).toBe(75);
    expect(config("--source-secret", SECRET, "--max-line-bytes", "21").maxLineBytes).toBe(21);
  });
});
