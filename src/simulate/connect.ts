import type { Socket, SocketHandler } from "bun";
import { ConnectError, systemErrorCode } from "../errors.ts";

/** Bun.connect, with a refused or unreachable server turned into one clear ConnectError. */
export async function connect<T>(host: string, port: number, role: "event" | "client", data: T, handlers: SocketHandler<T>): Promise<Socket<T>> {
  try {
    return await Bun.connect<T>({ hostname: host, port, data, socket: handlers });
  } catch (error) {
    const code = systemErrorCode(error);
    throw new ConnectError(`cannot connect to the ${role} port at ${host}:${port}${code ? ` (${code})` : ""}: is the server running?`);
  }
}
