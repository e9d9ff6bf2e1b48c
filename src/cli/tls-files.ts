import type { KeyObject, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { errorMessage, systemErrorCode, TlsFileError } from "../errors.ts";
import type { TlsCredentials } from "../net/listen.ts";
import { nodeCrypto } from "../runtime/node-crypto.ts";

const READ_PROBLEMS: Record<string, string> = {
  ENOENT: "no such file",
  EACCES: "permission denied",
  EISDIR: "it is a directory",
};

/**
 * Reads the certificate and key named by --tls-cert and --tls-key and checks
 * they are PEM and belong together, so a mistake is one line naming the
 * file rather than an error from deep inside TLS.
 */
export function readTlsFiles(certFile: string, keyFile: string): TlsCredentials {
  const cert = read("--tls-cert", certFile);
  const key = read("--tls-key", keyFile);
  let certificate: X509Certificate;
  try {
    if (!cert.includes("-----BEGIN CERTIFICATE-----")) throw new Error("no PEM header");
    certificate = new (nodeCrypto().X509Certificate)(cert);
  } catch {
    throw new TlsFileError(`--tls-cert ${certFile}: not a PEM certificate`);
  }
  let privateKey: KeyObject;
  try {
    if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key)) throw new Error("no PEM header");
    privateKey = nodeCrypto().createPrivateKey(key);
  } catch {
    throw new TlsFileError(`--tls-key ${keyFile}: not an unencrypted PEM private key`);
  }
  if (!certificate.checkPrivateKey(privateKey)) throw new TlsFileError(`--tls-key ${keyFile}: not the key of the certificate in ${certFile}`);
  return { cert, key };
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[^-]*-----END CERTIFICATE-----/g;

/**
 * Reads the certificates named by --redis-ca, the CAs to trust for a
 * rediss:// Redis: one PEM certificate or several (a private CA and its
 * intermediates, or a self-signed server certificate trusted as itself).
 * Each is parsed here, so a wrong file is one line naming it rather than
 * every TLS handshake with Redis failing later.
 */
export function readCaFile(file: string): string[] {
  const text = read("--redis-ca", file);
  const certificates = text.match(PEM_CERTIFICATE) ?? [];
  if (certificates.length === 0) throw new TlsFileError(`--redis-ca ${file}: not a PEM certificate`);
  for (const [i, certificate] of certificates.entries()) {
    try {
      new (nodeCrypto().X509Certificate)(certificate);
    } catch {
      throw new TlsFileError(`--redis-ca ${file}: certificate ${i + 1} of ${certificates.length} is not a valid PEM certificate`);
    }
  }
  return certificates;
}

function read(flag: string, file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new TlsFileError(`${flag} ${file}: cannot read it (${READ_PROBLEMS[systemErrorCode(error) ?? ""] ?? errorMessage(error)})`);
  }
}
