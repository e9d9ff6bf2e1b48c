import type { Server, ServerWebSocket, Socket, TCPSocketListener } from "bun";
import { HOST } from "./net-harness.ts";

/**
 * What a deliberately broken server gets wrong, for proving the simulator
 * catches it: `none` is a plain, correct server, so its passing shows the
 * failures come from the fault and not from the toy.
 */
export type Fault = "none" | "no-reordering" | "drop-one" | "extra-line" | "bare-lf" | "go-silent" | "close-client";

/** The notification (counted over all clients from 1) that the fault hits. */
const FAULTY_NOTIFICATION = 50;

export interface ToyOptions {
  /** TCP client ports, all serving the same users (default 1). */
  clientPorts?: number;
  /** Also serve clients over WebSocket on a port of its own: first message `<userId>`, then one message per notification. */
  webSocket?: boolean;
  /**
   * How long after its id arrived the n-th TCP client (from 0) is registered, as by a server
   * that reads each id on a thread it starts for the client (default: at once).
   */
  registerDelayMs?: (n: number) => number;
}

/**
 * A tiny Follower Maze server written the obvious way (strings, `split`, a
 * Map of Sets, a Map as the reorder buffer), with one fault injected (on
 * TCP clients; WebSocket clients are always served correctly).
 */
export class ToyServer {
  private readonly followers = new Map<number, Set<number>>();
  private readonly clients = new Map<number, Set<Socket<Pending>>>();
  /** WebSocket clients get one text message per line, without CRLF. */
  private readonly wsClients = new Map<number, Set<ServerWebSocket<{ user: number }>>>();
  private readonly waiting = new Map<number, string>();
  private next = 1;
  private sent = 0;
  /** TCP clients whose id has arrived, for ToyOptions.registerDelayMs. */
  private arrivals = 0;
  private readonly events: TCPSocketListener<Pending>;
  private readonly users: TCPSocketListener<Pending>[];
  private readonly ws: Server<{ user: number }> | null;
  /** By TCP client port: the clients that registered there. */
  readonly registeredAt: number[];

  constructor(
    private readonly fault: Fault,
    options: ToyOptions = {},
  ) {
    const handlers = (onLine: (socket: Socket<Pending>, line: string) => void) => ({
      open(socket: Socket<Pending>) {
        socket.data = { input: "", output: "", user: -1 };
      },
      data(socket: Socket<Pending>, chunk: Buffer) {
        const lines = (socket.data.input + chunk.toString("latin1")).split("\n");
        socket.data.input = lines.pop() as string;
        for (const line of lines) onLine(socket, line.replace(/\r$/, ""));
      },
      drain: (socket: Socket<Pending>) => flush(socket),
      close: (socket: Socket<Pending>) => {
        this.clients.get(socket.data.user)?.delete(socket);
      },
    });
    this.events = Bun.listen<Pending>({ hostname: HOST, port: 0, socket: handlers((_, line) => this.event(line)) });
    const ports = options.clientPorts ?? 1;
    this.registeredAt = Array(ports).fill(0);
    this.users = Array.from({ length: ports }, (_, at) =>
      Bun.listen<Pending>({
        hostname: HOST,
        port: 0,
        socket: handlers((socket, line) => {
          if (socket.data.user >= 0) return;
          socket.data.user = Number(line);
          const register = () => {
            this.registeredAt[at]++;
            this.clients.set(socket.data.user, (this.clients.get(socket.data.user) ?? new Set()).add(socket));
          };
          const delay = options.registerDelayMs?.(this.arrivals++) ?? 0;
          if (delay > 0) setTimeout(register, delay);
          else register();
        }),
      }),
    );
    this.ws = !options.webSocket
      ? null
      : Bun.serve<{ user: number }>({
          hostname: HOST,
          port: 0,
          fetch: (request, server) => (server.upgrade(request, { data: { user: -1 } }) ? undefined : new Response("WebSocket only", { status: 400 })),
          websocket: {
            message: (ws, message) => {
              if (ws.data.user >= 0) return;
              ws.data.user = Number(message);
              this.wsClients.set(ws.data.user, (this.wsClients.get(ws.data.user) ?? new Set()).add(ws));
            },
            close: (ws) => {
              this.wsClients.get(ws.data.user)?.delete(ws);
            },
          },
        });
  }

  get eventPort(): number {
    return this.events.port;
  }

  get clientPort(): number {
    return (this.users[0] as TCPSocketListener<Pending>).port;
  }

  get clientPorts(): number[] {
    return this.users.map((listener) => listener.port);
  }

  get wsPort(): number {
    if (this.ws === null) throw new Error("this toy server was started without WebSocket");
    return this.ws.port as number;
  }

  stop(): void {
    this.events.stop(true);
    for (const listener of this.users) listener.stop(true);
    this.ws?.stop(true);
  }

  private event(line: string): void {
    if (this.fault === "no-reordering") {
      this.apply(line);
      return;
    }
    const seq = Number(line.split("|")[0]);
    if (seq < this.next || this.waiting.has(seq)) return;
    this.waiting.set(seq, line);
    for (let ready = this.waiting.get(this.next); ready !== undefined; ready = this.waiting.get(this.next)) {
      this.waiting.delete(this.next++);
      this.apply(ready);
    }
  }

  private apply(line: string): void {
    const [, type, from, to] = line.split("|");
    const everyone = [...new Set([...this.clients.keys(), ...this.wsClients.keys()])];
    switch (type) {
      case "F": {
        const set = this.followers.get(Number(to)) ?? new Set();
        this.followers.set(Number(to), set.add(Number(from)));
        this.notify([Number(to)], line);
        return;
      }
      case "U":
        this.followers.get(Number(to))?.delete(Number(from));
        return;
      case "B":
        this.notify(everyone, line);
        return;
      case "P":
        this.notify([Number(to)], line);
        return;
      case "S":
        this.notify([...(this.followers.get(Number(from)) ?? [])], line);
        return;
    }
  }

  private notify(users: number[], line: string): void {
    for (const user of users) {
      for (const ws of this.wsClients.get(user) ?? []) ws.send(line);
      for (const socket of this.clients.get(user) ?? []) {
        const hit = ++this.sent === FAULTY_NOTIFICATION;
        if (this.fault === "go-silent" && this.sent >= FAULTY_NOTIFICATION) continue;
        if (hit && this.fault === "drop-one") continue;
        if (hit && this.fault === "close-client") {
          socket.end();
          continue;
        }
        const terminated = line + (this.fault === "bare-lf" ? "\n" : "\r\n");
        socket.data.output += hit && this.fault === "extra-line" ? terminated + terminated : terminated;
        flush(socket);
      }
    }
  }
}

interface Pending {
  input: string;
  output: string;
  user: number;
}

function flush(socket: Socket<Pending>): void {
  if (socket.data.output === "") return;
  const written = socket.write(socket.data.output);
  socket.data.output = written > 0 ? socket.data.output.slice(written) : socket.data.output;
}
