/**
 * A user client over WebSocket for socket tests, with Bun's WebSocket
 * client: sends its handshake as the first text message, then records every
 * message (and whether each was text) until the server closes.
 */
import { HOST, WAIT_MS, waitFor } from "./net-harness.ts";

export class WsUserClient {
  /** The messages received, in order. */
  readonly messages: string[] = [];
  /** Messages that arrived as binary frames (the contract says none may). */
  binaryMessages = 0;
  closeCode: number | null = null;
  closeReason = "";
  readonly closed: Promise<void>;
  private constructor(
    private readonly socket: WebSocket,
    readonly label: string,
  ) {
    const closed = Promise.withResolvers<void>();
    this.closed = closed.promise;
    socket.binaryType = "arraybuffer";
    socket.addEventListener("message", (event) => {
      if (typeof event.data === "string") this.messages.push(event.data);
      else this.binaryMessages++;
    });
    socket.addEventListener("close", (event) => {
      this.closeCode = event.code;
      this.closeReason = event.reason;
      closed.resolve();
    });
  }

  /** Opens a connection to `port` (`wss` trusting `ca` when given) and sends `handshake` unless it is null. */
  static async connect(port: number, handshake: string | null, options: { ca?: string; label?: string } = {}): Promise<WsUserClient> {
    const url = `${options.ca === undefined ? "ws" : "wss"}://${HOST}:${port}/`;
    const socket = options.ca === undefined ? new WebSocket(url) : new WebSocket(url, { tls: { ca: options.ca } });
    const client = new WsUserClient(socket, options.label ?? `ws ${JSON.stringify(handshake)}`);
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener("open", () => resolve());
      socket.addEventListener("error", () => reject(new Error(`${client.label}: could not connect to ${url}`)));
    });
    if (handshake !== null) socket.send(handshake);
    return client;
  }

  send(data: string | Uint8Array): void {
    this.socket.send(data);
  }

  close(): void {
    this.socket.close();
  }

  /** Waits for the server to close the connection and returns the close code. */
  async closedWith(timeoutMs = WAIT_MS): Promise<number> {
    await waitFor(() => this.closeCode !== null, `${this.label} to be closed`, timeoutMs);
    return this.closeCode as number;
  }

  /** The messages as a TCP client would have received them: each followed by CRLF. */
  get asStream(): string {
    return this.messages.map((message) => `${message}\r\n`).join("");
  }
}
