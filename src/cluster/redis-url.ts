import { InvalidValueError } from "../errors.ts";

/** Where the cluster's Redis is, as given by --redis (and FOLLOWER_MAZE_REDIS_PASSWORD). */
export interface RedisTarget {
  host: string;
  port: number;
  db: number;
  tls: boolean;
  /**
   * With TLS, the CA certificates (PEM) to trust instead of Bun's default
   * list: --redis-ca. Never set by the URL; null trusts the default list.
   */
  ca: string[] | null;
  /** Null without one; never printed (see {@link RedisTarget.redacted}). */
  password: string | null;
  /** The URL to hand Bun's RedisClient, password included. */
  url: string;
  /** The URL for logs and error messages: the password, if any, replaced by `***`. */
  redacted: string;
}

const DEFAULT_PORT = 6379;

/**
 * Parses `redis://[:password@]host[:port][/db]` or `rediss://…` (TLS).
 * `passwordFromEnv` (FOLLOWER_MAZE_REDIS_PASSWORD) fills in a URL without a
 * password, so the secret need not appear in the process's arguments; a URL
 * that has one as well is ambiguous and refused. Throws InvalidValueError saying
 * what was expected (a values.ts parser: the caller names the flag); the message
 * never contains the password.
 */
export function parseRedisUrl(raw: string, passwordFromEnv: string | null = null): RedisTarget {
  const scheme = /^(rediss?):\/\//i.exec(raw);
  if (!scheme) throw new InvalidValueError(`expected redis://[:password@]host:port[/db] or rediss://…, got ${JSON.stringify(redactRaw(raw))}`);
  const tls = (scheme[1] as string).toLowerCase() === "rediss";
  const rest = raw.slice(scheme[0].length);
  const at = rest.lastIndexOf("@");
  const auth = at < 0 ? null : rest.slice(0, at);
  const where = at < 0 ? rest : rest.slice(at + 1);
  let password: string | null = null;
  if (auth !== null) {
    // `user:password` is an ACL login, which the cluster does not use: say so rather than log in as someone else.
    if (!auth.startsWith(":")) throw new InvalidValueError("expected the password as redis://:password@host (a user name is not supported)");
    try {
      password = decodeURIComponent(auth.slice(1));
    } catch {
      throw new InvalidValueError("the password in the URL is not valid percent-encoding");
    }
    if (password === "") throw new InvalidValueError("the password in the URL is empty");
  }
  if (passwordFromEnv !== null && passwordFromEnv !== "") {
    if (password !== null) throw new InvalidValueError("the URL has a password and FOLLOWER_MAZE_REDIS_PASSWORD sets one too: give it once");
    password = passwordFromEnv;
  }
  const match = /^(\[[0-9a-f:.]+\]|[^:/[\]]+)(?::(\d+))?(?:\/(\d*))?$/i.exec(where);
  if (!match) throw new InvalidValueError(`expected host:port[/db] after ${scheme[0]}, got ${JSON.stringify(where)}`);
  const host = match[1] as string;
  const port = match[2] === undefined ? DEFAULT_PORT : Number(match[2]);
  if (port < 1 || port > 65535) throw new InvalidValueError(`expected a port from 1 to 65535, got ${match[2]}`);
  const db = match[3] === undefined || match[3] === "" ? 0 : Number(match[3]);
  if (db > 2 ** 31 - 1) throw new InvalidValueError(`expected a database number, got ${match[3]}`);
  const base = `${tls ? "rediss" : "redis"}://`;
  const hostPort = `${host}:${port}/${db}`;
  return {
    host,
    port,
    db,
    tls,
    ca: null,
    password,
    url: `${base}${password === null ? "" : `:${encodeURIComponent(password)}@`}${hostPort}`,
    redacted: `${base}${password === null ? "" : ":***@"}${hostPort}`,
  };
}

/** A malformed URL quoted in an error must not leak a password either. */
function redactRaw(raw: string): string {
  const at = raw.lastIndexOf("@");
  return at < 0 ? raw : `***${raw.slice(at)}`;
}
