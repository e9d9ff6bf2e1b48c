import { MAX_SEQ } from "../protocol/ascii.ts";

/**
 * Parsers for flag and environment values. Each returns the value or throws
 * a string saying what was expected; the caller adds which flag it was.
 */
export type ValueParser<T> = (raw: string) => T;

export function integer(min: number, max: number, what = "a whole number"): ValueParser<number> {
  return (raw) => {
    if (!/^\d+$/.test(raw)) throw `expected ${what} from ${min} to ${max}, got ${JSON.stringify(raw)}`;
    const value = Number(raw);
    if (value < min || value > max) throw `expected ${what} from ${min} to ${max}, got ${raw}`;
    return value;
  };
}

export const port = integer(0, 65535, "a port number");
const portNumberOrOff = integer(0, 65535, "off or a port number");
/** A port for a listener that is not wanted by default: `off` is null. */
export const portOrOff: ValueParser<number | null> = (raw) => (raw === "off" ? null : portNumberOrOff(raw));
export const milliseconds = (min: number): ValueParser<number> => integer(min, 2 ** 31 - 1, "milliseconds");
export const sequenceNumber = integer(1, MAX_SEQ, "a sequence number");

const UNITS: Record<string, number> = { "": 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };

/** A byte count with an optional binary unit: 65536, 64k, 4MiB. */
export function bytes(min: number, max: number): ValueParser<number> {
  return (raw) => {
    const match = /^(\d+)\s*([a-z]*)$/i.exec(raw);
    const unit = match ? UNITS[(match[2] as string).toLowerCase()] : undefined;
    if (!match || unit === undefined) throw `expected a size in bytes such as 65536, 64k or 4MiB, got ${JSON.stringify(raw)}`;
    const value = Number(match[1]) * unit;
    if (value < min || value > max) throw `expected a size from ${min} to ${max} bytes, got ${raw}`;
    return value;
  };
}

/** One ASCII byte that cannot be confused with a digit or a line end. */
export const delimiter: ValueParser<number> = (raw) => {
  const code = raw.length === 1 ? raw.charCodeAt(0) : -1;
  if (code < 0 || code > 0x7f) throw `expected a single ASCII character, got ${JSON.stringify(raw)}`;
  if ((code >= 0x30 && code <= 0x39) || code === 0x0a || code === 0x0d) throw `a digit or line break cannot separate fields, got ${JSON.stringify(raw)}`;
  return code;
};

export function oneOf<T extends string>(choices: readonly T[]): ValueParser<T> {
  return (raw) => {
    if (!(choices as readonly string[]).includes(raw)) throw `expected one of ${choices.join(", ")}, got ${JSON.stringify(raw)}`;
    return raw as T;
  };
}

export const host: ValueParser<string> = (raw) => {
  if (raw.trim() === "" || /\s/.test(raw)) throw `expected a host name or IP address, got ${JSON.stringify(raw)}`;
  return raw;
};
