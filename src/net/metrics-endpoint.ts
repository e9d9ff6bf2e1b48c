import type { Server as HttpServer } from "bun";
import { EXPOSITION_CONTENT_TYPE } from "../metrics/exposition.ts";
import { listenError } from "./listen.ts";

/** What the endpoint serves, asked afresh on every request. */
export interface MonitoredServer {
  /** The /metrics page in the Prometheus text format. */
  metrics(): string;
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

const ROUTES = new Map<string, (server: MonitoredServer) => Response>([
  ["/metrics", (server) => new Response(server.metrics(), { headers: { "Content-Type": EXPOSITION_CONTENT_TYPE } })],
  ["/healthz", () => text(200, "ok\n")],
  ["/readyz", (server) => (server.ready() ? text(200, "ready\n") : text(503, server.unready?.() ?? "shutting down\n"))],
]);

/**
 * The metrics port: a small HTTP server with /metrics for Prometheus,
 * /healthz (the process answers) and /readyz (it serves traffic). Any other
 * path is 404; a method other than GET or HEAD on a known path is 405.
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
          const route = ROUTES.get(new URL(request.url).pathname);
          if (route === undefined) return text(404, "not found: try /metrics, /healthz or /readyz\n");
          if (request.method !== "GET" && request.method !== "HEAD") return text(405, "method not allowed\n", { Allow: ALLOWED_METHODS });
          return route(server);
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
