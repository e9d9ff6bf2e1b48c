import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { certificateAuthority, selfSignedCertificate } from "../../test/support/self-signed.ts";
import { thrownMessage } from "../../test/support/thrown.ts";
import { TlsFileError } from "../errors.ts";
import { readCaFile, readTlsFiles } from "./tls-files.ts";

const dir = mkdtempSync(join(tmpdir(), "follower-maze-tls-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const { cert, key } = selfSignedCertificate();
const authority = certificateAuthority();
const files: Record<string, string> = {
  cert,
  key,
  otherKey: selfSignedCertificate().key,
  junk: "not PEM at all\n",
  bundle: `# the private CA, then a self-signed certificate\n${authority.cert}\n${cert}`,
  broken: `${authority.cert}-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n`,
};
for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
const path = (name: string) => join(dir, name);

const problem = (certFile: string, keyFile: string) => thrownMessage(() => readTlsFiles(certFile, keyFile), TlsFileError);

describe("readTlsFiles", () => {
  test("returns the PEM text of a certificate and its key", () => {
    expect(readTlsFiles(path("cert"), path("key"))).toEqual({ cert, key });
  });

  test("a file it cannot read is named with the reason", () => {
    expect(problem(path("missing"), path("key"))).toBe(`--tls-cert ${path("missing")}: cannot read it (no such file)`);
    expect(problem(path("cert"), dir)).toBe(`--tls-key ${dir}: cannot read it (it is a directory)`);
  });

  test("files that are not PEM, or swapped, are named", () => {
    expect(problem(path("junk"), path("key"))).toBe(`--tls-cert ${path("junk")}: not a PEM certificate`);
    expect(problem(path("key"), path("cert"))).toBe(`--tls-cert ${path("key")}: not a PEM certificate`);
    expect(problem(path("cert"), path("junk"))).toBe(`--tls-key ${path("junk")}: not an unencrypted PEM private key`);
    expect(problem(path("cert"), path("cert"))).toBe(`--tls-key ${path("cert")}: not an unencrypted PEM private key`);
  });

  test("a key that is not the certificate's is refused", () => {
    expect(problem(path("cert"), path("otherKey"))).toBe(`--tls-key ${path("otherKey")}: not the key of the certificate in ${path("cert")}`);
  });
});

describe("readCaFile (--redis-ca)", () => {
  test("returns each PEM certificate of the file, whatever lies between them", () => {
    expect(readCaFile(path("cert"))).toEqual([cert.trim()]);
    expect(readCaFile(path("bundle"))).toEqual([authority.cert.trim(), cert.trim()]);
  });

  test("a file it cannot read, or without a valid certificate, is one line naming the flag and the file", () => {
    const caProblem = (file: string) => thrownMessage(() => readCaFile(file), TlsFileError);
    expect(caProblem(path("missing"))).toBe(`--redis-ca ${path("missing")}: cannot read it (no such file)`);
    expect(caProblem(dir)).toBe(`--redis-ca ${dir}: cannot read it (it is a directory)`);
    expect(caProblem(path("junk"))).toBe(`--redis-ca ${path("junk")}: not a PEM certificate`);
    expect(caProblem(path("key"))).toBe(`--redis-ca ${path("key")}: not a PEM certificate`);
    expect(caProblem(path("broken"))).toBe(`--redis-ca ${path("broken")}: certificate 2 of 2 is not a valid PEM certificate`);
  });
});
