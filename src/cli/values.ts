import { InvalidValueError } from "../errors.ts";
import { MAX_SEQ, MAX_USER_ID } from "../protocol/ascii.ts";
import { processExists } from "./process-watch.ts";

/**
 * Parsers for flag and environment values. Each returns the value or throws
 * an InvalidValueError saying what was expected; the caller adds which flag it was.
 */
export type ValueParser<T> = (raw: string) => T;

export function integer(min: number, max: number, what = "a whole number"): ValueParser<number> {
  return (raw) => {
    if (!/^-?\d+$/.test(raw)) throw new InvalidValueError(`expected ${what} from ${min} to ${max}, got ${JSON.stringify(raw)}`);
    const value = Number(raw);
    if (value < min || value > max || Object.is(value, -0)) throw new InvalidValueError(`expected ${what} from ${min} to ${max}, got ${raw}`);
    return value;
  };
}

export const port = integer(0, 65535, "a port number");
const portNumberOrOff = integer(0, 65535, "off or a port number");
/** A port for a listener that is not wanted by default: `off` is null. */
export const portOrOff: ValueParser<number | null> = (raw) => (raw === "off" ? null : portNumberOrOff(raw));
const sliceMicroseconds = integer(100, 100_000, "off or microseconds");
/** The kernel clamps a slice to 100 µs … 100 ms; `off` (null) leaves it the kernel's own. */
export const schedulerSlice: ValueParser<number | null> = (raw) => (raw === "off" ? null : sliceMicroseconds(raw));
const codePagesMilliseconds = integer(100, 60_000, "off or milliseconds");
/** How often a serving process unmaps its executable's pages again; `off` (null): only at start. */
export const codePagesInterval: ValueParser<number | null> = (raw) => (raw === "off" ? null : codePagesMilliseconds(raw));
export const milliseconds = (min: number): ValueParser<number> => integer(min, 2 ** 31 - 1, "milliseconds");
export const sequenceNumber = integer(1, MAX_SEQ, "a sequence number");
export const userId = integer(0, MAX_USER_ID, "a user id");

const processId = integer(1, 2 ** 31 - 1, "a process id");
/** A process that is running now: watching one that has already gone would shut the server down a second after it started. */
export const runningProcessId: ValueParser<number> = (raw) => {
  const pid = processId(raw);
  if (!processExists(pid)) throw new InvalidValueError(`no process ${pid} is running`);
  return pid;
};

const UNITS: Record<string, number> = {
  "": 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

/** A byte count with an optional binary unit: 65536, 64k, 4MiB. */
export function bytes(min: number, max: number): ValueParser<number> {
  return (raw) => {
    const match = /^(\d+)\s*([a-z]*)$/i.exec(raw);
    const unit = match ? UNITS[(match[2] as string).toLowerCase()] : undefined;
    if (!match || unit === undefined) throw new InvalidValueError(`expected a size in bytes such as 65536, 64k or 4MiB, got ${JSON.stringify(raw)}`);
    const value = Number(match[1]) * unit;
    if (value < min || value > max) throw new InvalidValueError(`expected a size from ${min} to ${max} bytes, got ${raw}`);
    return value;
  };
}

/** One ASCII byte that cannot be confused with a digit or a line end. */
export const delimiter: ValueParser<number> = (raw) => {
  const code = raw.length === 1 ? raw.charCodeAt(0) : -1;
  if (code < 0 || code > 0x7f) throw new InvalidValueError(`expected a single ASCII character, got ${JSON.stringify(raw)}`);
  if ((code >= 0x30 && code <= 0x39) || code === 0x0a || code === 0x0d)
    throw new InvalidValueError(`a digit or line break cannot separate fields, got ${JSON.stringify(raw)}`);
  return code;
};

/** A comma-separated list of distinct `choices`, in any order: `events`, `clients,events`. */
export function setOf<T extends string>(choices: readonly T[]): ValueParser<T[]> {
  return (raw) => {
    const items = raw.split(",");
    const unknown = items.find((item) => !(choices as readonly string[]).includes(item));
    if (unknown !== undefined || new Set(items).size < items.length) {
      throw new InvalidValueError(`expected one or more of ${choices.join(", ")}, separated by commas, got ${JSON.stringify(raw)}`);
    }
    return items as T[];
  };
}

export function oneOf<T extends string>(choices: readonly T[]): ValueParser<T> {
  return (raw) => {
    if (!(choices as readonly string[]).includes(raw)) throw new InvalidValueError(`expected one of ${choices.join(", ")}, got ${JSON.stringify(raw)}`);
    return raw as T;
  };
}

export const host: ValueParser<string> = (raw) => {
  if (raw.trim() === "" || /\s/.test(raw)) throw new InvalidValueError(`expected a host name or IP address, got ${JSON.stringify(raw)}`);
  return raw;
};

/** A decimal fraction such as 0.05, within [min, max]. */
export function fraction(min: number, max: number): ValueParser<number> {
  return (raw) => {
    const value = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : Number.NaN;
    if (!(value >= min && value <= max)) throw new InvalidValueError(`expected a fraction from ${min} to ${max} such as 0.05, got ${JSON.stringify(raw)}`);
    return value;
  };
}

/**
 * Whole-number weights for a fixed set of keys, as `F=25,U=15,B=1`; keys left
 * out weigh 0, and at least one weight must be positive.
 */
export function weights<K extends string>(keys: readonly K[], maxTotal: number): ValueParser<Record<K, number>> {
  return (raw) => {
    const result = Object.fromEntries(keys.map((key) => [key, 0])) as Record<K, number>;
    const example = keys.map((key, i) => `${key}=${i + 1}`).join(",");
    const seen = new Set<K>();
    for (const part of raw.split(",")) {
      const match = /^\s*([A-Za-z]+)\s*[=:]\s*(\d+)\s*$/.exec(part);
      const key = match?.[1]?.toUpperCase() as K | undefined;
      if (!match || key === undefined || !keys.includes(key))
        throw new InvalidValueError(`expected weights such as ${example} (keys ${keys.join(", ")}), got ${JSON.stringify(raw)}`);
      if (seen.has(key)) throw new InvalidValueError(`${key} is given twice in ${JSON.stringify(raw)}`);
      seen.add(key);
      result[key] = Number(match[2]);
    }
    const total = keys.reduce((sum, key) => sum + result[key], 0);
    if (total === 0 || total > maxTotal) throw new InvalidValueError(`weights must add up to between 1 and ${maxTotal}, got ${total}`);
    return result;
  };
}

export const file: ValueParser<string> = (raw) => {
  if (raw === "") throw new InvalidValueError("expected a file name");
  return raw;
};

/**
 * A shared secret: printable ASCII, so every tool agrees on its bytes
 * whatever its character encoding, and long enough that holding a token does not let a user
 * recover it by brute force. Errors never repeat the value.
 */
export function secret(minLength: number, maxLength: number): ValueParser<string> {
  return (raw) => {
    if (!/^[\x20-\x7e]*$/.test(raw)) throw new InvalidValueError("expected printable ASCII characters only (value not shown)");
    if (raw.length < minLength || raw.length > maxLength)
      throw new InvalidValueError(`expected ${minLength} to ${maxLength} characters, got ${raw.length} (value not shown)`);
    return raw;
  };
}
