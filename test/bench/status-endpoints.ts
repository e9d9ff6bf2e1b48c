/**
 * What the monitoring endpoints cost with many clients connected: starts the
 * server (source, or the binary given with --binary) with a metrics port,
 * connects N idle TCP clients (default 10,000), then asks each endpoint
 * repeatedly and reports the response time as this process sees it and the
 * server CPU time per request (from /proc, so it includes the HTTP work).
 *
 *   bun run bench:status                       # 10,000 clients
 *   bun run bench:status --clients 2000 --binary dist/follower-maze
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { Socket } from "bun";
import { HOST, waitFor } from "../support/net-harness.ts";
import { startServer } from "../support/server-process.ts";

const { values: args } = parseArgs({
  args: Bun.argv.slice(2),
  options: { binary: { type: "string" }, clients: { type: "string", default: "10000" }, requests: { type: "string", default: "500" } },
});
const clients = Number(args.clients);
const requests = Number(args.requests);
const PATHS = ["/clients", "/clients?limit=1000", "/clients?offset=9000&limit=1000", "/sources", "/stats", "/metrics"];

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const server = await startServer(args.binary, ["--metrics-port", "0", "--log-level", "warn", "--stats-interval", "0"]);
const sockets: Socket<undefined>[] = [];
try {
  const base = `http://${HOST}:${server.metricsPort}`;
  for (let i = 0; i < clients; i++) {
    const socket = await Bun.connect({ hostname: HOST, port: server.clientPort, socket: { data() {}, error() {} } });
    socket.write(`${i + 1}\n`);
    sockets.push(socket);
  }
  const connected = async () => ((await (await fetch(`${base}/stats`)).json()) as { clients: { connections: number } }).clients.connections;
  await waitFor(async () => (await connected()) === clients, `${clients} clients to register`, 60_000);
  server.sample();
  console.log(`${clients} clients connected; server RSS ${server.usage().rssMiB.toFixed(1)} MiB; ${requests} requests per path, one at a time`);
  console.log("path                               bytes   median ms   p95 ms   server CPU ms/request");
  for (const path of PATHS) {
    for (let i = 0; i < 5; i++) await (await fetch(base + path)).arrayBuffer();
    const times: number[] = [];
    let bytes = 0;
    const cpuBefore = cpuSeconds(server.pid);
    for (let i = 0; i < requests; i++) {
      const start = performance.now();
      const body = await (await fetch(base + path)).arrayBuffer();
      times.push(performance.now() - start);
      bytes = body.byteLength;
    }
    const cpu = ((cpuSeconds(server.pid) - cpuBefore) * 1000) / requests;
    times.sort((a, b) => a - b);
    const at = (q: number) => (times[Math.min(times.length - 1, Math.floor(q * times.length))] as number).toFixed(2);
    console.log(`${path.padEnd(34)} ${String(bytes).padStart(7)}   ${at(0.5).padStart(9)}   ${at(0.95).padStart(6)}   ${cpu.toFixed(2).padStart(8)}`);
  }
} finally {
  for (const socket of sockets) socket.terminate();
  await server.stop("SIGKILL");
}
