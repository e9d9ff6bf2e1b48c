import type { Socket, TCPSocketListener } from "bun";
import { HOST } from "./net-harness.ts";

/**
 * What a deliberately broken server gets wrong, for proving the simulator
 * catches it: `none` is a plain, correct server, so its passing shows the
 * failures come from the fault and not from the toy.
 */
export type Fault = "none" | "no-reordering" | "drop-one" | "extra-line" | "bare-lf" | "go-silent" | "close-client";

/** The notification (counted over all clients from 1) that the fault hits. */
const FAULTY_NOTIFICATION = 50;

/**
 * A tiny Follower Maze server written the obvious way (strings, `split`, a
 * Map of Sets, a Map as the reorder buffer), with one fault injected.
 */
export class ToyServer {
  private readonly followers = new Map<number, Set<number>>();
  private readonly clients = new Map<number, Set<Socket<Pending>>>();
  private readonly waiting = new Map<number, string>();
  private next = 1;
  private sent = 0;
  private readonly events: TCPSocketListener<Pending>;
  private readonly users: TCPSocketListener<Pending>;

  constructor(private readonly fault: Fault) {
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
    this.users = Bun.listen<Pending>({
      hostname: HOST,
      port: 0,
      socket: handlers((socket, line) => {
        if (socket.data.user >= 0) return;
        socket.data.user = Number(line);
        const set = this.clients.get(socket.data.user) ?? new Set();
        this.clients.set(socket.data.user, set.add(socket));
      }),
    });
  }

  get eventPort(): number {
    return this.events.port;
  }

  get clientPort(): number {
    return this.users.port;
  }

  stop(): void {
    this.events.stop(true);
    this.users.stop(true);
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
    const everyone = [...this.clients.keys()];
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
