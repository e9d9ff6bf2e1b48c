/**
 * WebSocket fan-out against TCP, in one run: for each workload, rounds of
 * the server (the binary) driven by `follower-maze simulate --transport tcp`
 * then `--transport ws`, interleaved so the machine's drift hits both alike.
 * Reports the simulator's verified notifications/s and the server's peak RSS
 * and CPU per transport (medians over the rounds).
 *
 *   bun run bench:transports                         # fanout and scale, 2 rounds
 *   bun run bench:transports scale --rounds 3
 *   bun run bench:transports --binary dist/follower-maze --simulator other/follower-maze
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { runCommand, startServer } from "../support/server-process.ts";
import { builtBinary, pickRuns } from "./bench-args.ts";
import { median } from "./median.ts";

const WORKLOADS: Record<string, string[]> = {
  fanout: ["--totalEvents", "1000000", "--concurrencyLevel", "100"],
  scale: ["--totalEvents", "1000000", "--concurrencyLevel", "10000", "--numberOfUsers", "100000"],
};
const TRANSPORTS = ["tcp", "ws"] as const;

const { values: args, positionals } = parseArgs({
  args: Bun.argv.slice(2),
  options: { binary: { type: "string" }, simulator: { type: "string" }, rounds: { type: "string", default: "2" } },
  allowPositionals: true,
});
const chosen = pickRuns("bench:transports", positionals, WORKLOADS, Object.keys(WORKLOADS));
const binary = builtBinary(args.binary);
const simulator = args.simulator === undefined ? binary : resolve(args.simulator);
const NOTIFICATIONS_PER_SECOND = /([\d,.]+)( [kM])? notifications\/s/;

interface Sample {
  notificationsPerSecond: number;
  peakRssMiB: number;
  cpuSeconds: number;
}

let failed = 0;
for (const name of chosen) {
  const samples: Record<string, Sample[]> = { tcp: [], ws: [] };
  for (let round = 0; round < Number(args.rounds); round++) {
    for (const transport of TRANSPORTS) {
      const server = await startServer(binary, ["--ws-port", "0", "--log-level", "warn", "--stats-interval", "0"]);
      const sampler = setInterval(() => server.sample(), 100);
      try {
        const port = transport === "tcp" ? server.clientPort : (server.wsPort as number);
        const run = await runCommand(simulator, [
          "simulate",
          "--eventListenerPort",
          String(server.eventPort),
          "--clientListenerPort",
          String(port),
          "--transport",
          transport,
          "--logLevel",
          "warn",
          ...(WORKLOADS[name] as string[]),
        ]);
        server.sample();
        const match = NOTIFICATIONS_PER_SECOND.exec(run.stdout);
        if (run.code !== 0 || match === null) {
          failed++;
          console.log(`${name} ${transport}: FAILED (exit ${run.code})\n${run.stdout}${run.stderr}`);
          continue;
        }
        const unit = match[2] === " M" ? 1e6 : match[2] === " k" ? 1e3 : 1;
        const usage = server.usage();
        samples[transport]?.push({
          notificationsPerSecond: Number((match[1] as string).replaceAll(",", "")) * unit,
          peakRssMiB: usage.peakRssMiB,
          cpuSeconds: usage.cpuSeconds,
        });
        console.log(
          `  ${name} round ${round + 1} ${transport}: ${run.stdout.trim().split("\n").at(-1)}; server peak RSS ${usage.peakRssMiB.toFixed(1)} MiB, CPU ${usage.cpuSeconds.toFixed(2)} s`,
        );
      } finally {
        clearInterval(sampler);
        await server.stop();
      }
    }
  }
  console.log(`${name} (simulate ${(WORKLOADS[name] as string[]).join(" ")}), medians of ${args.rounds} rounds:`);
  for (const transport of TRANSPORTS) {
    const list = samples[transport] as Sample[];
    if (list.length === 0) continue;
    console.log(
      `  ${transport.padEnd(3)} ${(median(list.map((s) => s.notificationsPerSecond)) / 1e6).toFixed(2)} M notifications/s, ` +
        `server peak RSS ${median(list.map((s) => s.peakRssMiB)).toFixed(1)} MiB, server CPU ${median(list.map((s) => s.cpuSeconds)).toFixed(2)} s`,
    );
  }
}
process.exit(failed > 0 ? 1 : 0);
