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
import { median } from "./median.ts";

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

/** Events per second and p99 latency (ms) from a summary line. */
function figures(line: string): { rate: number; p99: number } {
  const rate = /([\d.,]+)( M)? events\/s/.exec(line);
  const p99 = /p99 ([\d.]+) ms/.exec(line);
  return { rate: rate ? Number((rate[1] as string).replaceAll(",", "")) * (rate[2] ? 1e6 : 1) : Number.NaN, p99: p99 ? Number(p99[1]) : Number.NaN };
}

const ROUNDS = 3;

/** Runs the comparison; resolves to the number of failed runs. */
export async function clusterBenchmark(binary: string): Promise<number> {
  process.env.TEST_BINARY = binary;
  let failed = 0;
  const redis = await RedisServer.start();
  const report = (what: string, result: { code: number; line: string }) => {
    if (result.code !== 0) failed++;
    console.log(`  ${what.padEnd(8)} ${result.line}`);
    return figures(result.line);
  };
  // Every run starts from an empty stream: a new sequence starts at 1 only in a new cluster. For the cost
  // run, a fourth edge has no clients: its CPU is the cost of following the stream alone.
  const fresh = async (idleEdge = false) => {
    await stopClusterProcesses();
    await redis.restart();
    const sequencer = await startSequencer(redis.url, QUIET);
    const edges = await Promise.all([startEdge(redis.url, QUIET), startEdge(redis.url, QUIET), startEdge(redis.url, QUIET)]);
    const idle = idleEdge ? await startEdge(redis.url, QUIET) : null;
    return { sequencer, edges, idle };
  };
  try {
    const compare = async (
      title: string,
      flags: string[],
      after?: (round: number, started: Awaited<ReturnType<typeof fresh>>, redisCpu: number) => Promise<void>,
    ) => {
      console.log(`${title}, simulate ${flags.join(" ")}, ${ROUNDS} interleaved rounds:`);
      const serve: { rate: number; p99: number }[] = [];
      const cluster: { rate: number; p99: number }[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        serve.push(report("serve", await serveRun(binary, flags)));
        const started = await fresh();
        const redisBefore = cpuSeconds(redis.pid);
        cluster.push(report("cluster", await clusterRun(binary, started.sequencer, started.edges, flags)));
        await after?.(round, started, cpuSeconds(redis.pid) - redisBefore);
      }
      const [s, c] = [serve, cluster].map((runs) => ({ rate: median(runs.map((run) => run.rate)), p99: median(runs.map((run) => run.p99)) })) as [
        { rate: number; p99: number },
        { rate: number; p99: number },
      ];
      console.log(
        `  medians: serve ${(s.rate / 1e6).toFixed(2)} M events/s, p99 ${s.p99} ms; cluster ${(c.rate / 1e6).toFixed(2)} M events/s, p99 ${c.p99} ms; ` +
          `cluster/serve: ${(c.rate / s.rate).toFixed(2)}× events/s, ${(c.p99 / s.p99).toFixed(2)}× p99`,
      );
    };
    /** One more run, with the idle edge, for the capacity model: CPU per event of each process. */
    const costs = async () => {
      const started = await fresh(true);
      const idleEdge = started.idle as EdgeProcess;
      const cpu = () => [started.sequencer.process.pid, redis.pid, ...started.edges.map((edge) => edge.process.pid), idleEdge.process.pid].map(cpuSeconds);
      const before = cpu();
      report("cluster", await clusterRun(binary, started.sequencer, started.edges, THROUGHPUT));
      const used = cpu().map((value, i) => value - (before[i] as number));
      const events = 1_000_000;
      const entries = await metricValue(idleEdge.metricsPort, "follower_maze_edge_entries_total");
      const notifications = (await Promise.all(started.edges.map((edge) => metricValue(edge.metricsPort, "follower_maze_notifications_total")))).reduce(
        (a, b) => a + b,
        0,
      );
      const [sequencer, redisCpu, ...edgeCpu] = used as [number, number, ...number[]];
      const idle = edgeCpu.pop() as number;
      const serving = edgeCpu.reduce((a, b) => a + b, 0);
      const perEvent = idle / events;
      const perNotification = (serving - 3 * idle) / notifications;
      console.log(
        `  CPU: sequencer ${sequencer.toFixed(2)} s = ${((sequencer / events) * 1e6).toFixed(2)} µs/event; ` +
          `Redis ${redisCpu.toFixed(2)} s for ${entries} entries = ${((redisCpu / entries) * 1e6).toFixed(0)} µs/entry (${(events / entries).toFixed(0)} events/entry, ${((redisCpu / events) * 1e6).toFixed(3)} µs/event); ` +
          `edges ${edgeCpu.map((value) => value.toFixed(2)).join(" + ")} s with ${notifications} notifications, the idle edge ${idle.toFixed(2)} s: ` +
          `${(perEvent * 1e6).toFixed(2)} µs/event/edge + ${(perNotification * 1e6).toFixed(2)} µs/notification`,
      );
    };
    await compare("throughput: Redis + sequencer + 3 edges against serve", THROUGHPUT, async (round) => {
      if (round === 0) console.log(`  Redis after 1M events: ${await redisMemory(redis)}`);
    });
    console.log(`capacity model: the same with a fourth edge that has no clients, simulate ${THROUGHPUT.join(" ")}:`);
    await costs();
    await compare("latency", LATENCY, async (_, started, redisCpu) => {
      // At this rate the batches are small: the per-entry cost of Redis when it is not saturated.
      const entries = await metricValue(started.edges[0]?.metricsPort ?? null, "follower_maze_edge_entries_total");
      console.log(
        `  Redis ${redisCpu.toFixed(2)} s CPU for ${entries} entries: ${((redisCpu / entries) * 1e6).toFixed(1)} µs/entry, ${(200_000 / entries).toFixed(1)} events/entry`,
      );
    });
    console.log(`Redis memory with trimming (--snapshot-every ${1_000_000}), simulate ${TEN_MILLION.join(" ")}:`);
    const started = await fresh();
    report("cluster", await clusterRun(binary, started.sequencer, started.edges, TEN_MILLION));
    console.log(`  Redis after 10M events: ${await redisMemory(redis)}`);
  } finally {
    await stopClusterProcesses();
    await redis.destroy();
  }
  return failed;
}
