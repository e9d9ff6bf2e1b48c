import { describe, expect, test } from "bun:test";
import {
  ConnectError,
  EXIT_FAILURE,
  EXIT_USAGE,
  errorMessage,
  FollowerMazeError,
  fatalReport,
  InternalError,
  InvalidValueError,
  ListenError,
  RedisConnectionError,
  StartupError,
  systemErrorCode,
  TlsFileError,
  UsageError,
} from "./errors.ts";

describe("errors", () => {
  test("each class has its own name and a stable code, and the exit status the README documents", () => {
    const table = [
      [new UsageError("x"), "UsageError", "FM_ERR_USAGE", EXIT_USAGE],
      [new InvalidValueError("x"), "InvalidValueError", "FM_ERR_INVALID_VALUE", EXIT_USAGE],
      [new StartupError("x"), "StartupError", "FM_ERR_STARTUP", EXIT_FAILURE],
      [new ListenError("x"), "ListenError", "FM_ERR_LISTEN", EXIT_FAILURE],
      [new TlsFileError("x"), "TlsFileError", "FM_ERR_TLS_FILE", EXIT_FAILURE],
      [new RedisConnectionError("x"), "RedisConnectionError", "FM_ERR_REDIS_CONNECTION", EXIT_FAILURE],
      [new ConnectError("x"), "ConnectError", "FM_ERR_CONNECT", EXIT_USAGE],
      [new InternalError("x"), "InternalError", "FM_ERR_INTERNAL", EXIT_FAILURE],
    ] as const;
    for (const [error, name, code, exitStatus] of table) {
      expect([error.name, error.code, error.exitStatus]).toEqual([name, code, exitStatus]);
      expect(error).toBeInstanceOf(FollowerMazeError);
      expect(String(error)).toBe(`${name}: x`);
    }
    expect(new Set(table.map(([, , code]) => code)).size).toBe(table.length);
  });

  test("the families: an invalid value is a usage error; listen, TLS file and Redis errors are startup errors", () => {
    expect(new InvalidValueError("x")).toBeInstanceOf(UsageError);
    for (const error of [new ListenError("x"), new TlsFileError("x"), new RedisConnectionError("x")]) expect(error).toBeInstanceOf(StartupError);
    expect(new ConnectError("x")).not.toBeInstanceOf(StartupError);
  });

  test("a cause is kept", () => {
    const cause = new Error("inner");
    expect(new StartupError("outer", { cause }).cause).toBe(cause);
  });

  test("systemErrorCode reads a system error's code, and nothing else", () => {
    expect(systemErrorCode(Object.assign(new Error("x"), { code: "EADDRINUSE" }))).toBe("EADDRINUSE");
    expect(systemErrorCode(Object.assign(new Error("x"), { code: 42 }))).toBeUndefined();
    for (const thrown of [new Error("x"), "EADDRINUSE", null, undefined, 7]) expect(systemErrorCode(thrown)).toBeUndefined();
  });

  test("errorMessage: the message of an Error, the string of anything else", () => {
    expect([errorMessage(new Error("boom")), errorMessage("plain"), errorMessage(3)]).toEqual(["boom", "plain", "3"]);
  });

  test("fatalReport: a user's mistake is one line with its exit status; a bug prints its stack and exits 1", () => {
    expect(fatalReport(new UsageError("--port: bad"))).toEqual({ text: "follower-maze: --port: bad\n", exitStatus: EXIT_USAGE });
    expect(fatalReport(new ListenError("port in use"), "follower-maze cluster")).toEqual({
      text: "follower-maze cluster: port in use\n",
      exitStatus: EXIT_FAILURE,
    });
    for (const bug of [new TypeError("undefined is not a function"), new InternalError("heap out of order")]) {
      const report = fatalReport(bug);
      expect(report.exitStatus).toBe(EXIT_FAILURE);
      expect(report.text).toContain("internal error");
      expect(report.text).toContain(bug.message);
      expect(report.text).toContain("errors.test.ts");
    }
    expect(fatalReport("thrown string").text).toContain("thrown string");
  });
});
