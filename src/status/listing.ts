/** A page of a listing: skip `offset` entries, then take at most `limit`. */
export interface PageRequest {
  offset: number;
  limit: number;
}

/** Entries per page of /clients and /sources unless `limit` asks otherwise, and the most it may ask. */
export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

/** A query parameter that is not a whole number in range: the client's mistake, answered with 400. */
export class BadQuery extends Error {
  override readonly name = "BadQuery";
}

function wholeNumber(params: URLSearchParams, name: string, fallback: number, max: number): number {
  const raw = params.get(name);
  if (raw === null || raw === "") return fallback;
  if (!/^\d{1,15}$/.test(raw) || Number(raw) > max)
    throw new BadQuery(`${name} must be a whole number from 0 to ${max}, not ${JSON.stringify(raw.slice(0, 40))}`);
  return Number(raw);
}

/** `?offset=N&limit=M`, both optional; throws BadQuery on a value out of range. */
export function pageRequest(params: URLSearchParams): PageRequest {
  return { offset: wholeNumber(params, "offset", 0, Number.MAX_SAFE_INTEGER), limit: wholeNumber(params, "limit", DEFAULT_LIMIT, MAX_LIMIT) };
}

/**
 * One page of `entries` (in their iteration order, which callers keep
 * stable: oldest connection first), each rendered by `render`. Skipping
 * walks past `offset` entries without rendering them, so a page costs its
 * own length plus the skip, never the whole listing.
 */
export function listPage<T>(
  entries: Iterable<T>,
  total: number,
  page: PageRequest,
  render: (entry: T) => object,
): { total: number; offset: number; limit: number; items: object[] } {
  const items: object[] = [];
  if (page.offset < total && page.limit > 0) {
    let index = 0;
    for (const entry of entries) {
      if (index++ < page.offset) continue;
      items.push(render(entry));
      if (items.length === page.limit) break;
    }
  }
  return { total, offset: page.offset, limit: page.limit, items };
}
