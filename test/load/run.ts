/**
 * End-to-end load run: starts the server (from source, or a built binary with
 * --binary) on free ports, streams a generated workload through it, checks
 * every client received exactly its notifications, byte for byte, and prints
 * throughput with the server's peak RSS and CPU time. Exit 1 on any mismatch.
 *
 *   bun run load                                            # 10M events, 100 clients, 1000 users
 *   bun run load --events 1000000 --binary dist/follower-maze
 *   bun run load --noise 0.05     # plus 5% duplicates, malformed, junk and oversized lines
 *   bun run load --source-secret S  # the server wants `AUTH S` first; the source sends it with the first event
 */
import { parseArgs } from "node:util";
import { startServer } from "../support/server-process.ts";
import { driveWorkload } from "./drive.ts";
import { generateWorkload } from "./workload.ts";

const { values: args } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    events: { type: "string", default: "10000000" },
    clients: { type: "string", default: "100" },
    users: { type: "string", default: "1000" },
    batch: { type: "string", default: "100" },
    degree: { type: "string", default: "20" },
    seed: { type: "string", default: "666" },
    noise: { type: "string", default: "0" },
    binary: { type: "string" },
    timeout: { type: "string", default: "20000" },
    "source-secret": { type: "string" },
  },
});
const options = {
  events: Number(args.events),
  clients: Number(args.clients),
  users: Number(args.users),
  maxBatch: Number(args.batch),
  degree: Number(args.degree),
  seed: Number(args.seed),
  noise: Number(args.noise),
};

const generating = performance.now();
const workload = generateWorkload(options);
console.log(
  `workload: ${options.events} events (${(workload.streamBytes / 2 ** 20).toFixed(0)} MiB), ${options.clients} clients of ${options.users} users, ` +
    `${workload.notifications} notifications (${(workload.notifications / options.events).toFixed(2)}/event), ` +
    `generated in ${((performance.now() - generating) / 1000).toFixed(1)} s`,
);

const secret = args["source-secret"];
if (secret !== undefined) workload.stream[0] = Buffer.concat([Buffer.from(`AUTH ${secret}\r\n`), workload.stream[0] as Uint8Array]);
const server = await startServer(args.binary, ["--log-level", "warn", "--stats-interval", "0"], secret === undefined ? {} : { FOLLOWER_MAZE_SOURCE_SECRET: secret });
const sampler = setInterval(() => server.sample(), 200);
let status = 1;
try {
  const result = await driveWorkload("127.0.0.1", server.eventPort, server.clientPort, workload, Number(args.timeout));
  server.sample();
  for (const line of result.mismatches.slice(0, 5)) console.log(`MISMATCH ${line}`);
  const usage = server.usage();
  const timed = options.events - 1;
  console.log(
    `${result.mismatches.length === 0 ? "OK" : "FAILED"}: ${timed} events in ${result.seconds.toFixed(2)} s = ` +
      `${Math.round(timed / result.seconds).toLocaleString("en-US")} events/s, ` +
      `${Math.round(workload.notifications / result.seconds).toLocaleString("en-US")} notifications/s; ` +
      `server peak RSS ${usage.peakRssMiB.toFixed(1)} MiB (at end ${usage.rssMiB.toFixed(1)} MiB), CPU ${usage.cpuSeconds.toFixed(2)} s`,
  );
  status = result.mismatches.length === 0 ? 0 : 1;
} catch (error) {
  console.log(`FAILED: ${(error as Error).message}`);
  console.log(server.stderr().split("\n").slice(-10).join("\n"));
} finally {
  clearInterval(sampler);
  await server.stop();
}
process.exit(status);
