import { describe, expect, test } from "bun:test";
import { generateWorkload } from "../../test/support/workload.ts";
import { ClientFleet, type FleetListener } from "./client-fleet.ts";
import { EventWindow } from "./event-window.ts";
import { Prng } from "./prng.ts";
import { rehearsalStream, rehearseSending } from "./rehearsal.ts";
import { planFor } from "./simulation.ts";
import type { WorkloadOptions } from "./workload.ts";

const OPTIONS: WorkloadOptions = { events: 50_000, users: 200, clients: 12, maxBatch: 100, mix: { F: 25, U: 15, P: 30, S: 29, B: 1 }, degree: 5 };
const SEED = 3;
const QUIET: FleetListener = { registered() {}, done() {}, failed() {} };
/** Two client threads, as `--threads 2` runs them: even and odd clients. */
const THREADS = [0, 1].map((t) => Array.from({ length: OPTIONS.clients }, (_, c) => c).filter((c) => c % 2 === t));

describe("rehearsal", () => {
  test("the client threads' stream is the start of the run's own workload, byte for byte", () => {
    const plan = planFor(SEED, OPTIONS);
    const { buffers, events } = rehearsalStream(plan, 2);
    const whole = generateWorkload(new Prng(SEED), OPTIONS);
    const window = new EventWindow(buffers);
    expect(events).toBeGreaterThan(1_000);
    expect(events).toBeLessThan(OPTIONS.events);
    for (let seq = 1; seq <= events; seq++) {
      const start = whole.lineStart[seq] as number;
      expect(window.line(seq)).toEqual(whole.bytes.subarray(start, start + (whole.lineLength[seq] as number)));
    }
  });

  test("a run shorter than the rehearsal rehearses only what it has", () => {
    const plan = planFor(SEED, { ...OPTIONS, events: 300 });
    expect(rehearsalStream(plan, 1).events).toBe(300);
  });

  test("sending is rehearsed up to its event limit, or its time limit, whichever comes first", () => {
    let generated = 0;
    const plan = planFor(SEED, OPTIONS);
    const counting = {
      clientUsers: plan.clientUsers,
      rehearsal: () => {
        const generator = plan.rehearsal();
        const next = generator.next.bind(generator);
        generator.next = () => {
          const batch = next();
          if (batch !== null) generated = batch.last;
          return batch;
        };
        return generator;
      },
    };
    rehearseSending(counting, 1, { events: 30_000, ms: 60_000 });
    // The batch that crosses the limit is generated, not sent.
    expect(generated).toBeGreaterThan(30_000);
    expect(generated).toBeLessThanOrEqual(30_100);
    generated = 0;
    const start = performance.now();
    rehearseSending(counting, 1, { events: OPTIONS.events, ms: 5 });
    expect(performance.now() - start).toBeLessThan(1_000);
    expect(generated).toBeLessThan(OPTIONS.events);
  });

  test("the client threads verify all of it, each for its own clients, leaving their own fleets untouched", () => {
    const plan = planFor(SEED, OPTIONS);
    const { buffers, events } = rehearsalStream(plan, 2);
    const whole = generateWorkload(new Prng(SEED), OPTIONS);
    for (const [thread, clients] of THREADS.entries()) {
      const owed = clients.reduce((sum, client) => sum + (whole.expected[client] as Int32Array).filter((seq) => seq <= events).length, 0);
      const fleet = new ClientFleet(plan.clientUsers, clients, QUIET);
      expect(fleet.rehearse(buffers, thread, events, 3)).toBe(3 * owed);
      expect(fleet.verified).toBe(0);
    }
  });
});
