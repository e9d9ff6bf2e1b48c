/**
 * X.509 v3 certificates for TLS tests, built with node:crypto alone: CI
 * guarantees Node and npm, not the openssl binary. EC P-256 keys,
 * ECDSA-SHA256 signatures, valid from an hour ago (clock skew) for one day.
 * A self-signed server certificate is trusted by passing it as a peer's `ca`;
 * a private CA's certificates are trusted through the CA's own.
 */
import { generateKeyPairSync, type KeyObject, randomBytes, sign } from "node:crypto";

export interface SelfSigned {
  /** The certificate, PEM. */
  cert: string;
  /** Its private key, PKCS#8 PEM. */
  key: string;
}

/** A private certificate authority: its own (self-signed) certificate, and server certificates signed with its key. */
export interface CertificateAuthority extends SelfSigned {
  /** A server certificate for `names` (DNS names or IPv4 addresses), signed by this CA. */
  issue(names?: string[]): SelfSigned;
}

/** The names a server certificate is for unless told otherwise: what the tests connect to. */
const LOOPBACK_NAMES = ["localhost", "127.0.0.1"];

/** A server certificate for localhost and 127.0.0.1, signed by its own key; not a CA. */
export function selfSignedCertificate(commonName = "localhost", now = new Date(), serial: Buffer = randomBytes(8)): SelfSigned {
  const keys = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return certificate({ subject: commonName, issuer: commonName, signer: keys.privateKey, keys, extensions: serverExtensions(LOOPBACK_NAMES), now, serial });
}

/** A CA that signs server certificates, as an operator's private CA does; its own certificate is what peers trust. */
export function certificateAuthority(commonName = "follower-maze test CA", now = new Date()): CertificateAuthority {
  const keys = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const own = certificate({ subject: commonName, issuer: commonName, signer: keys.privateKey, keys, extensions: CA_EXTENSIONS, now, serial: randomBytes(8) });
  return {
    ...own,
    issue: (names = LOOPBACK_NAMES) =>
      certificate({
        subject: names[0] ?? "localhost",
        issuer: commonName,
        signer: keys.privateKey,
        keys: generateKeyPairSync("ec", { namedCurve: "P-256" }),
        extensions: serverExtensions(names),
        now,
        serial: randomBytes(8),
      }),
  };
}

interface CertificateParts {
  subject: string;
  issuer: string;
  /** The issuer's private key. */
  signer: KeyObject;
  /** The subject's key pair. */
  keys: { publicKey: KeyObject; privateKey: KeyObject };
  extensions: Buffer[];
  now: Date;
  serial: Buffer;
}

function certificate({ subject, issuer, signer, keys, extensions, now, serial }: CertificateParts): SelfSigned {
  const ecdsaWithSha256 = sequence(oid("1.2.840.10045.4.3.2"));
  const hour = 3_600_000;
  const tbs = sequence(
    tlv(0xa0, integer(Buffer.from([2]))), // [0] version: v3
    integer(serial),
    ecdsaWithSha256,
    name(issuer),
    sequence(utcTime(new Date(now.getTime() - hour)), utcTime(new Date(now.getTime() + 24 * hour))),
    name(subject),
    keys.publicKey.export({ type: "spki", format: "der" }),
    tlv(0xa3, sequence(...extensions)), // [3] extensions
  );
  const signature = sign("sha256", tbs, signer);
  const der = sequence(tbs, ecdsaWithSha256, tlv(BIT_STRING, Buffer.from([0]), signature));
  const base64 = der.toString("base64").replace(/.{64}/g, "$&\n");
  return {
    cert: `-----BEGIN CERTIFICATE-----\n${base64.endsWith("\n") ? base64 : `${base64}\n`}-----END CERTIFICATE-----\n`,
    key: keys.privateKey.export({ type: "pkcs8", format: "pem" }) as string,
  };
}

const BOOLEAN = 0x01;
const INTEGER = 0x02;
const BIT_STRING = 0x03;
const OCTET_STRING = 0x04;
const OID = 0x06;
const UTF8_STRING = 0x0c;
const UTC_TIME = 0x17;
/** Context-specific tags of GeneralName: [2] dNSName, [7] iPAddress. */
const DNS_NAME = 0x82;
const IP_ADDRESS = 0x87;

function serverExtensions(names: string[]): Buffer[] {
  const altNames = names.map((altName) =>
    /^\d+\.\d+\.\d+\.\d+$/.test(altName) ? tlv(IP_ADDRESS, Buffer.from(altName.split(".").map(Number))) : tlv(DNS_NAME, Buffer.from(altName)),
  );
  return [
    // basicConstraints, critical: not a CA.
    extension("2.5.29.19", true, sequence()),
    // keyUsage, critical: digitalSignature (bit 0; 7 unused bits).
    extension("2.5.29.15", true, tlv(BIT_STRING, Buffer.from([7, 0x80]))),
    // extKeyUsage: TLS server authentication.
    extension("2.5.29.37", false, sequence(oid("1.3.6.1.5.5.7.3.1"))),
    // subjectAltName: the names clients check, since CN is no longer consulted.
    extension("2.5.29.17", false, sequence(...altNames)),
  ];
}

const CA_EXTENSIONS = [
  // basicConstraints, critical: a CA.
  extension("2.5.29.19", true, sequence(tlv(BOOLEAN, Buffer.from([0xff])))),
  // keyUsage, critical: keyCertSign and cRLSign (bits 5 and 6; 1 unused bit).
  extension("2.5.29.15", true, tlv(BIT_STRING, Buffer.from([1, 0x06]))),
];

function name(commonName: string): Buffer {
  return sequence(set(sequence(oid("2.5.4.3"), tlv(UTF8_STRING, Buffer.from(commonName)))));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? sequence(oid(id), tlv(BOOLEAN, Buffer.from([0xff])), tlv(OCTET_STRING, value)) : sequence(oid(id), tlv(OCTET_STRING, value));
}

/** One DER element: tag, definite length, content. */
function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  const length: number[] = [];
  for (let n = body.length; n > 0; n = Math.floor(n / 256)) length.unshift(n % 256);
  const header = body.length < 0x80 ? [tag, body.length] : [tag, 0x80 | length.length, ...length];
  return Buffer.concat([Buffer.from(header), body]);
}

function sequence(...content: Buffer[]): Buffer {
  return tlv(0x30, ...content);
}

function set(...content: Buffer[]): Buffer {
  return tlv(0x31, ...content);
}

/**
 * A non-negative INTEGER from big-endian bytes, in DER's one minimal form:
 * leading zero bytes dropped (a random 8-byte serial needs that once in 512
 * certificates, and BoringSSL rejects such a certificate outright), then one
 * zero put back only where the top bit would read as a sign.
 */
function integer(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const minimal = bytes.subarray(start);
  return tlv(INTEGER, (minimal[0] as number) & 0x80 ? Buffer.concat([Buffer.from([0]), minimal]) : minimal);
}

function oid(dotted: string): Buffer {
  const [first, second, ...rest] = dotted.split(".").map(Number) as [number, number, ...number[]];
  const bytes = [40 * first + second];
  for (const arc of rest) {
    const base128 = [arc & 0x7f];
    for (let n = arc >>> 7; n > 0; n >>>= 7) base128.unshift(0x80 | (n & 0x7f));
    bytes.push(...base128);
  }
  return tlv(OID, Buffer.from(bytes));
}

/** UTCTime, YYMMDDHHMMSSZ: right for years up to 2049. */
function utcTime(date: Date): Buffer {
  return tlv(UTC_TIME, Buffer.from(`${date.toISOString().slice(2, 19).replace(/[-T:]/g, "")}Z`));
}
