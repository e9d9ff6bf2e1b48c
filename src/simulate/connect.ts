import type { Socket, SocketHandler } from "bun";
import { ConnectError, systemErrorCode } from "../errors.ts";

/** The likely cause of a failed connection, as a hint the user can act on. */
function hint(code: string | undefined): string {
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "no such host: check --host";
  return "is the server running?";
}

/** Bun.connect, with a refused or unreachable server turned into one clear ConnectError. */
export async function connect<T>(host: string, port: number, role: "event" | "client", data: T, handlers: SocketHandler<T>): Promise<Socket<T>> {
  try {
    return await Bun.connect<T>({ hostname: host, port, data, socket: handlers });
  } catch (error) {
    const code = systemErrorCode(error);
    throw new ConnectError(`cannot connect to the ${role} port at ${host}:${port}${code ? ` (${code})` : ""}: ${hint(code)}`);
  }
}

/** An open WebSocket to `url`, or a ConnectError when it cannot be opened. */
export function connectWebSocket(url: string): Promise<WebSocket> {
  const { promise, resolve, reject } = Promise.withResolvers<WebSocket>();
  const ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  ws.onopen = () => resolve(ws);
  ws.onerror = (event) => {
    const message = (event as ErrorEvent).message;
    reject(
      new ConnectError(`cannot connect to the client port at ${url}${message ? ` (${message})` : ""}: is the server running, and serving WebSocket there?`),
    );
  };
  return promise;
}
