import { afterEach, describe, expect, test } from "bun:test";
import type { TCPSocketListener } from "bun";
import { selfSignedCertificate } from "../../test/support/self-signed.ts";
import { ListenError } from "../errors.ts";
import { formatAddress, listen } from "./listen.ts";

const open: TCPSocketListener<unknown>[] = [];
afterEach(() => {
  for (const listener of open.splice(0)) listener.stop(true);
});

describe("formatAddress", () => {
  test("brackets IPv6 so the port stays readable", () => {
    expect(formatAddress("127.0.0.1", 9090)).toBe("127.0.0.1:9090");
    expect(formatAddress("::1", 9090)).toBe("[::1]:9090");
    expect(formatAddress("localhost", 0)).toBe("localhost:0");
  });
});

describe("listen", () => {
  test("a port in use is one line naming the role and the port", () => {
    const first = listen("event", "127.0.0.1", 0, null, { data() {} });
    open.push(first);
    let error: unknown;
    try {
      open.push(listen("client", "127.0.0.1", first.port, null, { data() {} }));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ListenError);
    expect((error as Error).message).toBe(`client port ${first.port} is already in use (127.0.0.1:${first.port})`);
  });

  test("an address that is not this machine's says so", () => {
    // 192.0.2.0/24 is reserved for documentation: never a local address, and binding sends nothing.
    expect(() => open.push(listen("event", "192.0.2.1", 0, null, { data() {} }))).toThrow("192.0.2.1 is not an address of this machine");
  });

  test("a certificate and key TLS will not use is one line naming the role", () => {
    const { cert } = selfSignedCertificate();
    const { key } = selfSignedCertificate();
    expect(() => open.push(listen("event", "127.0.0.1", 0, { cert, key }, { data() {} }))).toThrow(
      /^event port: TLS rejected the certificate or key: .*KEY_VALUES_MISMATCH/,
    );
  });
});
