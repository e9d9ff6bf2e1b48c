import { ConnectError, EXIT_FAILURE, EXIT_OK, UsageError } from "../errors.ts";
import { Logger } from "../log/logger.ts";
import { BANNER, describeFailure, progressLine, summaryLine } from "../simulate/report.ts";
import { planFor, type RunPlan, simulate } from "../simulate/simulation.ts";
import type { WorkloadOptions } from "../simulate/workload.ts";
import type { FlagValues, Invocation } from "./flags.ts";
import { type SIMULATE_FLAGS, USERS_FROM_CLIENTS } from "./simulate-flags.ts";

export type SimulateOptions = FlagValues<typeof SIMULATE_FLAGS>;

/** Follows per user, on average, before follows stop adding edges: keeps status fan-out realistic on long runs. */
const DEGREE = 20;

/**
 * The workload simulate's flags describe; UsageError when they contradict
 * each other. Benchmarks build theirs with it too, so they measure what a
 * run with the same flags generates.
 */
export function workloadOptions(o: SimulateOptions): WorkloadOptions {
  const users = o.numberOfUsers === USERS_FROM_CLIENTS ? o.concurrencyLevel * 10 : o.numberOfUsers;
  if (o.concurrencyLevel > users) {
    throw new UsageError(`concurrencyLevel: ${o.concurrencyLevel} clients are distinct users, so numberOfUsers must be at least that, not ${users}`);
  }
  return {
    events: o.totalEvents,
    users,
    clients: o.concurrencyLevel,
    maxBatch: o.maxEventSourceBatchSize,
    mix: o.mix,
    degree: DEGREE,
    noise: o.noise,
  };
}

/**
 * Generates the run, drives it against the server and prints the verdict:
 * the banner and a summary on stdout (exit 0), or what went wrong for which
 * client (exit 1). A server that cannot be reached is one line on stderr
 * (exit 2). Progress goes to stderr: one line rewritten in place on a
 * terminal, plain periodic lines otherwise.
 */
export async function runSimulation(o: SimulateOptions, { warnings }: Invocation): Promise<number> {
  const options = workloadOptions(o);
  const log = new Logger(o.logLevel);
  for (const warning of warnings) log.warn(warning);
  const { clientUsers, generator, rehearsal } = planFor(o.randomSeed, options);
  const ports = o.clientListenerPort.join(",");
  const plan: RunPlan = {
    clientUsers,
    generator() {
      log.info(
        `${o.concurrencyLevel} clients of ${options.users} users connected to ${o.host}:${ports}${o.transport === "ws" ? " over WebSocket" : ""}; ` +
          `sending ${o.totalEvents} events to ${o.host}:${o.eventListenerPort}${o.rate > 0 ? ` at ${o.rate} events/s` : ""}, generated as they go`,
      );
      return generator();
    },
    rehearsal,
  };

  const live = process.stderr.isTTY === true;
  let rewriting = false;
  try {
    const result = await simulate(plan, {
      host: o.host,
      eventPort: o.eventListenerPort,
      ports: o.clientListenerPort,
      transport: o.transport,
      timeoutMs: o.timeout,
      rate: o.rate,
      threads: o.threads,
      clientSecret: o["client-secret"],
      sourceSecret: o["source-secret"],
      progressMs: log.enabled("info") ? o.logInterval : 0,
      onProgress(progress) {
        const line = progressLine(progress);
        if (!live) return log.info(line);
        process.stderr.write(`\r${line}\x1b[K`);
        rewriting = true;
      },
    });
    if (rewriting) process.stderr.write("\n");
    if (result.failure !== null) {
      const context = {
        timeoutMs: o.timeout,
        clientSecret: o["client-secret"] !== null,
        sourceSecret: o["source-secret"] !== null,
        clients: result.clients,
        barrierClients: result.barrierClients,
      };
      process.stdout.write(`${describeFailure(result.failure, context)}\n`);
      return EXIT_FAILURE;
    }
    process.stdout.write(`${BANNER}\n${summaryLine(result)}\n`);
    return EXIT_OK;
  } catch (error) {
    if (!(error instanceof ConnectError)) throw error;
    process.stderr.write(`follower-maze simulate: ${error.message}\n`);
    return error.exitStatus;
  }
}
