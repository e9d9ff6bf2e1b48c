/**
 * `bun run bench:e2e cluster`: Redis + one sequencer + three edges against
 * `serve`, on this machine, each verified by `follower-maze simulate` with
 * its clients spread over the edges: throughput for 1M events and 100
 * clients, p99 latency at --rate 20000, and Redis's memory after 1M and
 * after 10M events (flat, because the sequencer trims behind its snapshots).
 */
import { readFileSync } from "node:fs";
import { type EdgeProcess, type SequencerProcess, startEdge, startSequencer, stopClusterProcesses } from "../support/cluster-process.ts";
import { RedisServer } from "../support/redis-server.ts";
import { runCommand, runSimulate, startServer } from "../support/server-process.ts";

const QUIET = ["--log-level", "warn", "--stats-interval", "0"];
const THROUGHPUT = ["--totalEvents", "1000000", "--concurrencyLevel", "100"];
const LATENCY = ["--totalEvents", "200000", "--concurrencyLevel", "100", "--rate", "20000"];
const TEN_MILLION = ["--totalEvents", "10000000", "--concurrencyLevel", "100"];

/** User + system CPU seconds of a running process, from /proc (0 once it is gone). */
function cpuSeconds(pid: number | null): number {
  if (pid === null) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

async function metricValue(port: number | null, name: string): Promise<number> {
  if (port === null) return Number.NaN;
  const page = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = page.split("\n").find((row) => row.startsWith(`${name} `));
  return line === undefined ? Number.NaN : Number(line.split(" ")[1]);
}

/** The simulator's summary line: events/s and the latency percentiles. */
function summary(stdout: string): string {
  return stdout.trim().split("\n").at(-1) ?? "";
}

async function redisMemory(redis: RedisServer): Promise<string> {
  const reply = Promise.withResolvers<string>();
  let text = "";
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port: redis.port,
    socket: {
      data(_, chunk) {
        text += chunk.toString();
        if (text.includes("used_memory_peak_human")) reply.resolve(text);
      },
      error: (_, error) => reply.reject(error),
    },
  });
  socket.write("*2\r\n$4\r\nINFO\r\n$6\r\nmemory\r\n");
  const info = await reply.promise;
  socket.end();
  const field = (name: string) => new RegExp(`^${name}:(\\S+)`, "m").exec(info)?.[1] ?? "?";
  return `used_memory ${field("used_memory_human")} (peak ${field("used_memory_peak_human")})`;
}

async function serveRun(binary: string, flags: string[]): Promise<{ code: number; line: string }> {
  const server = await startServer(binary, QUIET);
  try {
    const run = await runSimulate(binary, server.eventPort, server.clientPort, ["--logLevel", "warn", ...flags]);
    return { code: run.code, line: `${summary(run.stdout)}${run.code === 0 ? "" : ` FAILED: ${run.stderr.trim()}`}` };
  } finally {
    await server.stop();
  }
}

async function clusterRun(binary: string, sequencer: SequencerProcess, edges: EdgeProcess[], flags: string[]): Promise<{ code: number; line: string }> {
  const ports = edges.map((edge) => edge.clientPort).join(",");
  const run = await runSimulateOnPorts(binary, sequencer.eventPort, ports, flags);
  return { code: run.code, line: `${summary(run.stdout)}${run.code === 0 ? "" : ` FAILED: ${run.stderr.trim()}`}` };
}

/** `simulate` with its clients spread over several client ports, round-robin. */
function runSimulateOnPorts(binary: string, eventPort: number, clientPorts: string, flags: string[]) {
  return runCommand(binary, ["simulate", "--eventListenerPort", String(eventPort), "--clientListenerPort", clientPorts, "--logLevel", "warn", ...flags]);
}

/** Runs the comparison; resolves to the number of failed runs. */
export async function clusterBenchmark(binary: string): Promise<number> {
  process.env.TEST_BINARY = binary;
  let failed = 0;
  const redis = await RedisServer.start();
  try {
    // Every run starts from an empty stream: a new sequence starts at 1 only in a new cluster.
    const fresh = async () => {
      await stopClusterProcesses();
      await redis.restart();
      const sequencer = await startSequencer(redis.url, QUIET);
      const edges = await Promise.all([startEdge(redis.url, QUIET), startEdge(redis.url, QUIET), startEdge(redis.url, QUIET)]);
      return { sequencer, edges };
    };
    const report = (what: string, result: { code: number; line: string }) => {
      if (result.code !== 0) failed++;
      console.log(`  ${what.padEnd(34)} ${result.line}`);
    };
    console.log(`cluster (Redis + sequencer + 3 edges) against serve, simulate ${THROUGHPUT.join(" ")}:`);
    report("serve", await serveRun(binary, THROUGHPUT));
    let cluster = await fresh();
    const before = [cpuSeconds(cluster.sequencer.process.pid), cpuSeconds(redis.pid), ...cluster.edges.map((edge) => cpuSeconds(edge.process.pid))];
    report("cluster", await clusterRun(binary, cluster.sequencer, cluster.edges, THROUGHPUT));
    const after = [cpuSeconds(cluster.sequencer.process.pid), cpuSeconds(redis.pid), ...cluster.edges.map((edge) => cpuSeconds(edge.process.pid))];
    const used = after.map((value, i) => value - (before[i] as number));
    const entries = await metricValue(cluster.edges[0]?.metricsPort ?? null, "follower_maze_edge_entries_total");
    const notifications = (await Promise.all(cluster.edges.map((edge) => metricValue(edge.metricsPort, "follower_maze_notifications_total")))).reduce(
      (a, b) => a + b,
      0,
    );
    const edgeCpu = used.slice(2).reduce((a, b) => a + b, 0);
    const events = 1_000_000;
    console.log(`  Redis after 1M events: ${await redisMemory(redis)}`);
    console.log(
      `  CPU: sequencer ${used[0]?.toFixed(2)} s (${(((used[0] as number) / events) * 1e6).toFixed(2)} µs/event); Redis ${used[1]?.toFixed(2)} s for ${entries} entries ` +
        `(${(((used[1] as number) / entries) * 1e6).toFixed(1)} µs/entry, ${(events / entries).toFixed(0)} events/entry); ` +
        `edges ${used
          .slice(2)
          .map((value) => value.toFixed(2))
          .join(" + ")} s for ${events} events each and ${notifications} notifications in all ` +
        `(${((edgeCpu / (3 * events)) * 1e6).toFixed(2)} µs/event/edge incl. ${(notifications / (3 * events)).toFixed(2)} notifications)`,
    );
    console.log(`latency, simulate ${LATENCY.join(" ")}:`);
    report("serve", await serveRun(binary, LATENCY));
    cluster = await fresh();
    report("cluster", await clusterRun(binary, cluster.sequencer, cluster.edges, LATENCY));
    console.log(`Redis memory with trimming, simulate ${TEN_MILLION.join(" ")}:`);
    cluster = await fresh();
    report("cluster", await clusterRun(binary, cluster.sequencer, cluster.edges, TEN_MILLION));
    console.log(`  Redis after 10M events: ${await redisMemory(redis)}`);
  } finally {
    await stopClusterProcesses();
    await redis.destroy();
  }
  return failed;
}
