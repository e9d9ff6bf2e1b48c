import { describe, expect, test } from "bun:test";
import { countingViews } from "../../test/support/counting-views.ts";
import { Logger } from "../log/logger.ts";
import { engineLog } from "./operator-log.ts";

const encoder = new TextEncoder();

function countingRead(text: string) {
  return countingViews(encoder.encode(text));
}

describe("engineLog", () => {
  test("a malformed line the log level drops costs no view of the read", () => {
    const lines: string[] = [];
    const observer = engineLog(new Logger("error", (line) => lines.push(line)));
    const { buf, views } = countingRead("@@3|X|1|2\r\n");
    observer.malformed("unknown type", buf, 2, 9, true);
    expect(views()).toBe(0);
    expect(lines).toEqual([]);
  });

  test("one the log level keeps is quoted from its own bytes", () => {
    const lines: string[] = [];
    const observer = engineLog(new Logger("warn", (line) => lines.push(line)));
    const { buf, views } = countingRead("@@3|X|1|2\r\n");
    observer.malformed("unknown type", buf, 2, 9, true);
    expect(views()).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("malformed event line (unknown type) dropped, its sequence number kept as a no-op: ");
    expect(lines[0]).toContain("3|X|1|2");
  });

  test("past the burst, malformed lines are counted, not built", () => {
    const lines: string[] = [];
    const observer = engineLog(new Logger("warn", (line) => lines.push(line)));
    const { buf, views } = countingRead("@@3|X|1|2\r\n");
    for (let i = 0; i < 50; i++) observer.malformed("unknown type", buf, 2, 9, true);
    expect(lines).toHaveLength(10);
    expect(views()).toBe(10);
  });

  test("duplicates are logged at debug level only", () => {
    const lines: string[] = [];
    engineLog(new Logger("info", (line) => lines.push(line))).duplicate(7);
    expect(lines).toEqual([]);
    engineLog(new Logger("debug", (line) => lines.push(line))).duplicate(7);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("duplicate sequence number 7 dropped");
  });
});
