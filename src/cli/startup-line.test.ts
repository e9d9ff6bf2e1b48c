import { describe, expect, test } from "bun:test";
import { listenerText, metricsText, webSocketText } from "./startup-line.ts";

describe("startup line parts", () => {
  test("a listener is host:port, marked when it speaks TLS", () => {
    expect(listenerText("127.0.0.1", 9090, false)).toBe("127.0.0.1:9090");
    expect(listenerText("127.0.0.1", 9099, true)).toBe("127.0.0.1:9099 (TLS)");
    expect(listenerText("::1", 9090, false)).toBe("[::1]:9090");
  });

  test("the WebSocket and metrics parts are absent without their port", () => {
    expect(webSocketText("127.0.0.1", null, true)).toBe("");
    expect(metricsText("127.0.0.1", null)).toBe("");
  });

  test("the WebSocket part names its scheme, the metrics part its URL", () => {
    expect(webSocketText("127.0.0.1", 8080, false)).toBe(", websocket clients on ws://127.0.0.1:8080");
    expect(webSocketText("127.0.0.1", 8080, true)).toBe(", websocket clients on wss://127.0.0.1:8080");
    expect(metricsText("127.0.0.1", 9100)).toBe(", metrics on http://127.0.0.1:9100");
  });
});
