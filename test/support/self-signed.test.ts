import { describe, expect, test } from "bun:test";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { certificateAuthority, selfSignedCertificate } from "./self-signed.ts";

describe("selfSignedCertificate", () => {
  const now = new Date("2030-06-15T12:00:00Z");
  const { cert, key } = selfSignedCertificate("localhost", now);
  const parsed = new X509Certificate(cert);

  test("is a certificate node:crypto parses, signed by its own key", () => {
    expect(parsed.subject).toBe("CN=localhost");
    expect(parsed.issuer).toBe("CN=localhost");
    expect(parsed.verify(parsed.publicKey)).toBe(true);
    expect(parsed.checkPrivateKey(createPrivateKey(key))).toBe(true);
  });

  test("names 127.0.0.1 and localhost, and is not a CA", () => {
    expect(parsed.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(parsed.checkHost("localhost")).toBe("localhost");
    expect(parsed.checkIP("127.0.0.2")).toBeUndefined();
    expect(parsed.ca).toBe(false);
  });

  test("is valid from an hour before `now` to a day after", () => {
    expect(parsed.validFromDate.toISOString()).toBe("2030-06-15T11:00:00.000Z");
    expect(parsed.validToDate.toISOString()).toBe("2030-06-16T12:00:00.000Z");
  });

  test("each call makes a new key and serial number", () => {
    const other = new X509Certificate(selfSignedCertificate("localhost", now).cert);
    expect(other.serialNumber).not.toBe(parsed.serialNumber);
    expect(other.publicKey.export({ type: "spki", format: "der" })).not.toEqual(parsed.publicKey.export({ type: "spki", format: "der" }));
  });

  test.each([
    ["a leading zero byte", [0x00, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde], "123456789ABCDE"],
    ["several", [0x00, 0x00, 0x00, 0x7f, 0x01, 0x02, 0x03, 0x04], "7F01020304"],
    ["the top bit set", [0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01], "8000000000000001"],
  ])("a serial with %s is encoded minimally, so the certificate parses (BoringSSL rejects any other form)", (_, bytes, hex) => {
    const pem = selfSignedCertificate("localhost", now, Buffer.from(bytes)).cert;
    expect(new X509Certificate(pem).serialNumber).toBe(hex);
  });
});

describe("certificateAuthority", () => {
  const now = new Date("2030-06-15T12:00:00Z");
  const authority = certificateAuthority("test CA", now);
  const ca = new X509Certificate(authority.cert);

  test("is a self-signed CA certificate", () => {
    expect(ca.subject).toBe("CN=test CA");
    expect(ca.issuer).toBe("CN=test CA");
    expect(ca.ca).toBe(true);
    expect(ca.verify(ca.publicKey)).toBe(true);
    expect(ca.checkPrivateKey(createPrivateKey(authority.key))).toBe(true);
  });

  test("issues server certificates signed with its key, for the names asked (loopback by default), not CAs themselves", () => {
    const { cert, key } = authority.issue();
    const leaf = new X509Certificate(cert);
    expect(leaf.issuer).toBe("CN=test CA");
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkPrivateKey(createPrivateKey(key))).toBe(true);
    expect(leaf.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(leaf.checkHost("localhost")).toBe("localhost");
    expect(leaf.ca).toBe(false);
    const elsewhere = new X509Certificate(authority.issue(["elsewhere.example"]).cert);
    expect(elsewhere.subject).toBe("CN=elsewhere.example");
    expect(elsewhere.checkHost("elsewhere.example")).toBe("elsewhere.example");
    expect(elsewhere.checkIP("127.0.0.1")).toBeUndefined();
    expect(elsewhere.verify(ca.publicKey)).toBe(true);
  });
});
