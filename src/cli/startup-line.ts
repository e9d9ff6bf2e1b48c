import { formatAddress } from "../net/listen.ts";

/**
 * The parts of the startup lines of `serve`, `sequencer` and `edge`. Scripts
 * and tests read the ports from those lines, so every command spells each
 * listener the same way.
 */

/** `host:port`, marked ` (TLS)` when that port speaks TLS. */
export function listenerText(host: string, port: number, tls: boolean): string {
  return `${formatAddress(host, port)}${tls ? " (TLS)" : ""}`;
}

/** `, websocket clients on ws://host:port` (wss with TLS), or nothing without a WebSocket port. */
export function webSocketText(host: string, port: number | null, tls: boolean): string {
  return port === null ? "" : `, websocket clients on ${tls ? "wss" : "ws"}://${formatAddress(host, port)}`;
}

/** `, metrics on http://host:port`, or nothing without a metrics port. */
export function metricsText(host: string, port: number | null): string {
  return port === null ? "" : `, metrics on http://${formatAddress(host, port)}`;
}
