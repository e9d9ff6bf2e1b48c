/**
 * How to turn queued notification bytes into WebSocket text frames: Bun's
 * `sendText` takes only a string, and `send`/`sendBinary` of bytes always
 * makes a binary frame (see ServerWebSocket.zig), so a text frame from bytes
 * needs a string first. This measures, per frame, with C clients connected
 * (a separate process reading them), each client's whole batch sent inside
 * one `cork`:
 *
 *   binary     sendBinary(subarray)            no string at all (the wrong frame type)
 *   latin1     sendText(buffer.toString("latin1", start, end))   one string per line per client
 *   substring  one string per batch, sendText(whole.substring(start, end)) per line
 *   cached     sendText(same string)            one string per line, shared by all clients
 *
 *   bun test/bench/ws-frames.ts [--clients 1000] [--lines 200] [--rounds 20]
 */
import { parseArgs } from "node:util";
import type { ServerWebSocket } from "bun";

const { values: args } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    clients: { type: "string", default: "1000" },
    lines: { type: "string", default: "200" },
    rounds: { type: "string", default: "20" },
    child: { type: "string" },
  },
});
const clients = Number(args.clients);
const lines = Number(args.lines);
const rounds = Number(args.rounds);

if (args.child !== undefined) {
  // The reading side: C clients that count frames and say when each round is in.
  const [port, perClient] = args.child.split(":").map(Number) as [number, number];
  let received = 0;
  let opened = 0;
  const control = new WebSocket(`ws://127.0.0.1:${port}/control`);
  await new Promise((resolve) => control.addEventListener("open", resolve));
  for (let i = 0; i < clients; i++) {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/`);
    socket.addEventListener("open", () => {
      if (++opened === clients) control.send("ready");
    });
    socket.addEventListener("message", () => {
      if (++received === perClient * clients) {
        received = 0;
        control.send("round");
      }
    });
  }
} else {
  const sockets: ServerWebSocket<{ control: boolean }>[] = [];
  const signal = { resolve: () => {} };
  const next = () => new Promise<void>((resolve) => (signal.resolve = resolve));
  let ready = next();
  const server = Bun.serve<{ control: boolean }>({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request, server) {
      return server.upgrade(request, { data: { control: new URL(request.url).pathname === "/control" } }) ? undefined : new Response("no", { status: 400 });
    },
    websocket: {
      backpressureLimit: 64 * 1024 * 1024,
      open(ws) {
        if (!ws.data.control) sockets.push(ws);
      },
      message() {
        signal.resolve();
      },
    },
  });
  const child = Bun.spawn([process.execPath, import.meta.path, "--clients", String(clients), "--child", `${server.port}:${lines}`], {
    stdout: "inherit",
    stderr: "inherit",
  });
  try {
    await ready;
    // One batch as an outbox holds it: `lines` event lines, each ending in CRLF.
    const text = Array.from({ length: lines }, (_, i) => `${1_000_000 + i}|P|${4242 + i}|77\r\n`).join("");
    const batch = new Uint8Array(Buffer.from(text, "latin1"));
    const starts: number[] = [];
    for (let i = 0; i < batch.length; i = batch.indexOf(10, i) + 1) starts.push(i);
    const cachedStrings = starts.map((start, i) => text.slice(start, (starts[i + 1] ?? batch.length) - 2));
    const view = Buffer.from(batch.buffer, batch.byteOffset, batch.length);

    const variants: Record<string, (ws: ServerWebSocket<{ control: boolean }>) => void> = {
      binary: (ws) => {
        for (let i = 0; i < starts.length; i++) ws.sendBinary(batch.subarray(starts[i], (starts[i + 1] ?? batch.length) - 2));
      },
      latin1: (ws) => {
        for (let i = 0; i < starts.length; i++) ws.sendText(view.toString("latin1", starts[i], (starts[i + 1] ?? batch.length) - 2));
      },
      substring: (ws) => {
        const whole = view.toString("latin1", 0, batch.length);
        for (let i = 0; i < starts.length; i++) ws.sendText(whole.substring(starts[i] as number, (starts[i + 1] ?? batch.length) - 2));
      },
      cached: (ws) => {
        for (let i = 0; i < cachedStrings.length; i++) ws.sendText(cachedStrings[i] as string);
      },
    };
    const results: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
    // Interleaved, so the machine's drift hits every variant alike.
    for (let round = 0; round < rounds; round++) {
      for (const [name, send] of Object.entries(variants)) {
        ready = next();
        const start = performance.now();
        for (const ws of sockets) ws.cork(() => send(ws));
        const sendMs = performance.now() - start;
        await ready;
        (results[name] as number[]).push(sendMs);
      }
    }
    const frames = clients * lines;
    console.log(`${clients} clients × ${lines} frames per round, ${rounds} rounds each; server time in the send loop, median of rounds`);
    for (const [name, times] of Object.entries(results)) {
      times.sort((a, b) => a - b);
      const median = times[Math.floor(times.length / 2)] as number;
      console.log(`${name.padEnd(8)} ${((median * 1e6) / frames).toFixed(0).padStart(5)} ns/frame   ${(frames / median / 1000).toFixed(2)} M frames/s`);
    }
  } finally {
    child.kill();
    server.stop(true);
  }
}
