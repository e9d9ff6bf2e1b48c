import type { SocketHandler, TCPSocketListener } from "bun";
import { errorMessage, ListenError, systemErrorCode } from "../errors.ts";

/** host:port, with an IPv6 address in brackets so the port stays readable. */
export function formatAddress(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** PEM certificate chain and private key a listener serves TLS with. */
export interface TlsCredentials {
  cert: string;
  key: string;
}

/**
 * Bun.listen with reads delivered as plain Uint8Arrays, TLS when given
 * credentials, and failures turned into one-line messages naming the role,
 * port and address.
 */
export function listen<T>(role: string, hostname: string, port: number, tls: TlsCredentials | null, socket: SocketHandler<T>): TCPSocketListener<T> {
  try {
    return Bun.listen<T>({
      hostname,
      port,
      // Without it another process may bind the same port and silently split our traffic.
      exclusive: true,
      socket: { ...socket, binaryType: "uint8array" },
      ...(tls === null ? {} : { tls }),
    });
  } catch (error) {
    throw listenError(role, hostname, port, error);
  }
}

/** Why a listener (TCP or HTTP) could not be opened, as one line naming the role, port and address. */
export function listenError(role: string, hostname: string, port: number, error: unknown): ListenError {
  const code = systemErrorCode(error);
  const where = formatAddress(hostname, port);
  if (code === "EADDRINUSE") return new ListenError(`${role} port ${port} is already in use (${where})`);
  if (code === "EACCES") return new ListenError(`no permission to listen on ${role} port ${port} (${where})`);
  if (code?.startsWith("ERR_OSSL")) return new ListenError(`${role} port: TLS rejected the certificate or key: ${errorMessage(error)}`);
  if (code === "EADDRNOTAVAIL") return new ListenError(`cannot listen on ${where}: ${hostname} is not an address of this machine`);
  return new ListenError(`cannot listen on ${role} port ${port} (${where}): ${errorMessage(error)}`);
}
