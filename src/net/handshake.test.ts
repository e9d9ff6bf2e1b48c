import { describe, expect, test } from "bun:test";
import { ManualTimers } from "../../test/support/manual-timers.ts";
import { Handshake, type Stage } from "./handshake.ts";

function handshake(tls: boolean, firstLine: boolean) {
  const timers = new ManualTimers();
  const timeouts: Stage[] = [];
  const subject = new Handshake(tls, firstLine, timers, 100, (stage) => timeouts.push(stage));
  return { subject, timers, timeouts };
}

describe("Handshake", () => {
  test("plain TCP with nothing to prove is open at once, with no timer", () => {
    const { subject, timers } = handshake(false, false);
    expect(subject.stage).toBe("open");
    expect(timers.size).toBe(0);
  });

  test("TLS, then a first line, all under one timer", () => {
    const { subject, timers, timeouts } = handshake(true, true);
    expect(subject.stage).toBe("tls");
    expect(timers.size).toBe(1);
    expect(subject.secured()).toBe(false);
    expect(subject.stage).toBe("first line");
    expect(timers.size).toBe(1);
    subject.open();
    expect(subject.stage).toBe("open");
    expect(timers.size).toBe(0);
    expect(timeouts).toEqual([]);
  });

  test("TLS alone opens the connection once secured", () => {
    const { subject, timers } = handshake(true, false);
    expect(subject.secured()).toBe(true);
    expect(subject.stage).toBe("open");
    expect(timers.size).toBe(0);
  });

  test("the timer reports the stage it caught the connection at", () => {
    const tls = handshake(true, true);
    tls.timers.fireAll();
    expect(tls.timeouts).toEqual(["tls"]);
    const line = handshake(true, true);
    line.subject.secured();
    line.timers.fireAll();
    expect(line.timeouts).toEqual(["first line"]);
  });

  test("close returns the stage it ended at, once; after that it is closed", () => {
    const { subject, timers } = handshake(false, true);
    expect(subject.close()).toBe("first line");
    expect(timers.size).toBe(0);
    expect(subject.close()).toBe("closed");
    // A late TLS success changes nothing.
    expect(subject.secured()).toBe(false);
    expect(subject.stage).toBe("closed");
  });
});
