/**
 * Event kinds as small integers so they fit a Uint8Array slot in the reorder
 * buffer. NOOP marks a malformed line whose sequence number was readable: it
 * keeps its place in the order but notifies nobody.
 */
export const NOOP = 0;
export const FOLLOW = 1;
export const UNFOLLOW = 2;
export const BROADCAST = 3;
export const PRIVATE = 4;
export const STATUS = 5;
