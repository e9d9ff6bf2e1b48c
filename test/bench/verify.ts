/**
 * What verifying a default run costs a simulator client thread
 * (`bun test/bench/verify.ts [events]`, 2M by default): the seeded workload
 * of `simulate`'s defaults, held whole in an event window, scanned for what
 * each client is owed as the generator appends it, and fed back to the
 * verifiers a read at a time, the way a server that flushes once per read
 * delivers it. Prints the CPU time per notification of three passes, so a change to
 * the verifier can be measured without a server, a network or the generator.
 */
import { HEAD } from "../../src/simulate/event-window.ts";
import { Expectations } from "../../src/simulate/expectations.ts";
import { LatencyHistogram } from "../../src/simulate/latency-histogram.ts";
import { Prng } from "../../src/simulate/prng.ts";
import { ClientVerifier } from "../../src/simulate/verifier.ts";
import { loadedWindow } from "../support/workload.ts";
import { cpuMs, defaultRun } from "./default-run.ts";

/** Events per server read: each read's lines reach each client as one read of its own. */
const EVENTS_PER_READ = 2000;

const { events, seed, options, plan } = defaultRun("verify", 2_000_000);
const clients = plan.clientUsers.length;
const pow2 = (n: number) => 2 ** Math.ceil(Math.log2(n));
const sizes = { events: pow2(events + 1), bytes: pow2(events * 40), recipients: pow2(events * 4), notifications: 2 ** 31, batches: 1 << 16 };
// `owed` has read the whole run: what each client is owed, for cutting it into reads.
const { window, expectations: owed } = loadedWindow(new Prng(seed), options, sizes);
const everyone = Array.from({ length: clients }, (_, client) => client);

/** By read, by client: the lines of that read's events the client is owed, as one buffer (null when none). */
const reads: (Uint8Array | null)[][] = [];
for (let last = EVENTS_PER_READ; last - EVENTS_PER_READ < events; last += EVENTS_PER_READ) {
  reads.push(
    owed.queues.map((queue) => {
      const lines: Uint8Array[] = [];
      while (queue.length > 0 && queue.peek() <= last) lines.push(window.line(queue.shift()));
      return lines.length === 0 ? null : Buffer.concat(lines);
    }),
  );
}

// Stamped as the sender stamps them, every event of a write (here, a read) alike.
const { sentAt } = window.buffers;
for (let seq = 1; seq <= events; seq++) sentAt[seq & window.eventMask] = Math.floor((seq - 1) / EVENTS_PER_READ);

for (let pass = 1; pass <= 3; pass++) {
  const expectations = new Expectations(window, 0, everyone, clients, events);
  const latency = new LatencyHistogram();
  const verifiers = everyone.map((client) => new ClientVerifier(window, expectations, client, client, plan.clientUsers[client] as number, latency));
  let scanMs = 0;
  const start = cpuMs();
  let verified = 0;
  for (const [r, read] of reads.entries()) {
    // The generator has appended this read's events, and the client thread scans them, as it does before each read.
    Atomics.store(window.buffers.control, HEAD, Math.min(events, (r + 1) * EVENTS_PER_READ));
    const scanStart = cpuMs();
    expectations.scan();
    scanMs += cpuMs() - scanStart;
    for (let c = 0; c < clients; c++) {
      const chunk = read[c];
      if (chunk != null && (verifiers[c] as ClientVerifier).receive(chunk, r + 1) !== null) throw new Error(`client ${c} failed in read ${r}`);
    }
  }
  for (const verifier of verifiers) verified += verifier.verified;
  const ms = cpuMs() - start;
  console.log(
    `pass ${pass}: ${verified} notifications of ${events} events scanned and verified in ${ms.toFixed(0)} ms of CPU, ${((ms * 1e6) / verified).toFixed(1)} ns each (scanning ${scanMs.toFixed(0)} ms of it)`,
  );
}
