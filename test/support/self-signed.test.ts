import { describe, expect, test } from "bun:test";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { selfSignedCertificate } from "./self-signed.ts";

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
});
