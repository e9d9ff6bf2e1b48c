/**
 * What generating a default run costs the simulator's main thread
 * (`bun test/bench/generate.ts [events]`, 10M by default): the seeded
 * workload of `simulate`'s defaults, batch after batch, appended to an event
 * window that nothing drains, as simulate does inside its timed part. Prints
 * the CPU time of three passes, so a change to the generator can be measured
 * before and after without a server, a network or the client threads.
 */
import { EventWindow, WINDOW_SIZES } from "../../src/simulate/event-window.ts";
import { WindowWriter } from "../../src/simulate/window-writer.ts";
import { cpuMs, defaultRun } from "./default-run.ts";

const { events, plan } = defaultRun("generate", 10_000_000);
for (let pass = 1; pass <= 3; pass++) {
  const window = EventWindow.create(WINDOW_SIZES, 1);
  // The client thread and the sender are past everything, so the window never holds the generator back.
  window.retain(0, 2 ** 31 - 1);
  const writer = new WindowWriter(window, WINDOW_SIZES, plan.clientUsers.length);
  const sender = { neededSeq: 2 ** 31 - 1, neededByte: 0, full: false };
  const generator = plan.generator();
  const start = cpuMs();
  for (let batch = generator.next(); batch !== null; batch = generator.next()) {
    if (!writer.fits(batch, sender)) throw new Error("the window held the generator back");
    sender.neededByte = writer.append(batch) + batch.byteLength;
  }
  console.log(`pass ${pass}: ${events} events generated and appended in ${(cpuMs() - start).toFixed(0)} ms of CPU`);
}
