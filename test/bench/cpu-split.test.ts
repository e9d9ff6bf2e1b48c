import { describe, expect, test } from "bun:test";
import { parseCpuList, splitCpus } from "./cpu-split.ts";

describe("parseCpuList", () => {
  test.each([
    ["0", [0]],
    ["0-1", [0, 1]],
    ["0-3,8,10-11\n", [0, 1, 2, 3, 8, 10, 11]],
  ])("%j is %j", (list, cpus) => {
    expect(parseCpuList(list)).toEqual(cpus);
  });

  test.each(["", "0-", "a", "1,,2"])("%j is not a CPU list", (list) => {
    expect(() => parseCpuList(list)).toThrow("not a CPU list");
  });
});

describe("splitCpus", () => {
  test("the server gets the first CPU, the simulator every other one", () => {
    expect(splitCpus([2, 3, 5], "/usr/bin/taskset")).toEqual({
      server: ["/usr/bin/taskset", "-c", "2"],
      simulator: ["/usr/bin/taskset", "-c", "3,5"],
    });
  });

  test("one CPU cannot be split", () => {
    expect(() => splitCpus([0], "taskset")).toThrow("--pin needs at least 2 CPUs, and this process may use 1");
  });
});
