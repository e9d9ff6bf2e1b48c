import type { Server as HttpServer } from "bun";
import { EXPOSITION_CONTENT_TYPE } from "../metrics/exposition.ts";
import { type ClientEntry, renderClient, renderSource, type SourceEntry } from "../status/connections.ts";
import { BadQuery, listPage, pageRequest } from "../status/listing.ts";
import { STATUS_PAGE } from "../status/page.ts";
import { listenError } from "./listen.ts";

/** Connections to list, in a stable order, and how many there are. */
export interface Connections<T> {
  total: number;
  entries: Iterable<T>;
}

/** What the endpoint serves, asked afresh on every request. */
export interface Introspection {
  /** The /stats document the status page draws. */
  status(): object;
  clients(): Connections<ClientEntry>;
  sources(): Connections<SourceEntry>;
  /** Event sources are paused (the reorder buffer is full). */
  sourcesPaused(): boolean;
}

export interface MonitoredServer {
  /** The /metrics page in the Prometheus text format. */
  metrics(): string;
  /** The status page, /stats and the connection listings; the cluster roles have only /metrics and the probes so far. */
  introspection?: Introspection;
  /** Both listeners are up and the server is not shutting down. */
  ready(): boolean;
  /** Why it is not ready, for the 503's body; "shutting down" when not given. */
  unready?(): string;
  /** A request failed with an exception: a bug, worth an error line. */
  failed(error: Error): void;
}

const ALLOWED_METHODS = "GET, HEAD";

function text(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(body, { status, headers: { "Content-Type": "text/plain; charset=utf-8", ...headers } });
}

/** Every answer is a snapshot of now: no cache may keep one. */
function json(body: object): Response {
  return new Response(JSON.stringify(body), { headers: { "Content-Type": "application/json", "Cache-Control": "no-store" } });
}

function listing<T>(connections: Connections<T>, url: URL, key: string, render: (entry: T) => object): Response {
  const { items, ...page } = listPage(connections.entries, connections.total, pageRequest(url.searchParams), render);
  return json({ now: new Date().toISOString(), ...page, [key]: items });
}

/** A route that needs the server's introspection, which a command without it answers with 404. */
function introspected(route: (server: Introspection, url: URL) => Response): (server: MonitoredServer, url: URL) => Response {
  return (server, url) => (server.introspection === undefined ? text(404, `not served by this command: try /metrics\n`) : route(server.introspection, url));
}

const ROUTES = new Map<string, (server: MonitoredServer, url: URL) => Response>([
  ["/", introspected(() => new Response(STATUS_PAGE, { headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" } }))],
  ["/stats", introspected((server) => json(server.status()))],
  ["/clients", introspected((server, url) => listing(server.clients(), url, "clients", renderClient))],
  [
    "/sources",
    introspected((server, url) => {
      const paused = server.sourcesPaused();
      return listing(server.sources(), url, "sources", (source) => renderSource(source, paused));
    }),
  ],
  ["/metrics", (server) => new Response(server.metrics(), { headers: { "Content-Type": EXPOSITION_CONTENT_TYPE } })],
  ["/healthz", () => text(200, "ok\n")],
  ["/readyz", (server) => (server.ready() ? text(200, "ready\n") : text(503, server.unready?.() ?? "shutting down\n"))],
]);

const KNOWN_PATHS = [...ROUTES.keys()].join(", ");

/**
 * The metrics port: a small HTTP server with /metrics for Prometheus,
 * /healthz (the process answers) and /readyz (it serves traffic), the live
 * status page at / with the JSON it draws (/stats), and listings of the
 * connections (/clients, /sources). Any other path is 404; a method other
 * than GET or HEAD on a known path is 405; a bad query parameter is 400.
 */
export class MetricsEndpoint {
  private readonly http: HttpServer<undefined>;

  constructor(host: string, port: number, server: MonitoredServer) {
    try {
      this.http = Bun.serve({
        hostname: host,
        port,
        development: false,
        fetch(request) {
          const url = new URL(request.url);
          const route = ROUTES.get(url.pathname);
          if (route === undefined) return text(404, `not found: try ${KNOWN_PATHS}\n`);
          if (request.method !== "GET" && request.method !== "HEAD") return text(405, "method not allowed\n", { Allow: ALLOWED_METHODS });
          try {
            return route(server, url);
          } catch (error) {
            if (error instanceof BadQuery) return text(400, `${error.message}\n`);
            throw error;
          }
        },
        error(error) {
          server.failed(error);
          return text(500, "internal error\n");
        },
      });
    } catch (error) {
      throw listenError("metrics", host, port, error);
    }
  }

  get port(): number {
    return this.http.port as number;
  }

  /** Stops listening and closes open connections (scrapers keep theirs alive). */
  stop(): void {
    this.http.stop(true);
  }
}
