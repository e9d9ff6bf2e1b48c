import { grownCapacity, resized } from "../collections/typed-arrays.ts";
import { pairKey, slotFor } from "./int-hash.ts";

const EMPTY = -1;
/** A slot's low 23 bits hold an arena position and the 8 above them its distance from home, until an arena past 2^23 takes bits from the distance. */
const MIN_POSITION_BITS = 23;
/** Size classes are powers of two, 2^0 … 2^30 arena slots. */
const CLASSES = 31;
/** Below this many slots a list never shrinks: moving it would save less than the move costs. */
const MIN_SHRINK = 8;

/**
 * Who follows whom, over dense user indices (see UserIndex).
 *
 * Every follower list lives in one shared Int32Array, the arena, as a block of
 * 2^k slots; freed blocks go on a free list of their size. A status update
 * walks contiguous memory and allocates nothing, and a list costs two numbers
 * and a byte per user instead of a typed-array object (about 58 bytes each,
 * 77,000 of them in the scale run).
 *
 * An edge hash (open addressing, one Int32Array) maps (followee, follower) to
 * the follower's arena position; the arena says who the follower is and
 * `owners` whose list the position is in, so a slot is 4 bytes where a key
 * and a position took 12. Every list, short or long, goes through the hash:
 * follow, unfollow and membership stay O(1) amortised, as on the 1k-user churn
 * bench they must (an earlier pooled design that scanned short lists and gave
 * long ones a hash of their own lost 13–21% there). Unfollow moves the last
 * follower into the hole and repoints its slot. A list moving to another
 * block repoints the slots of its followers; one at the top of the arena
 * grows in place. A list shrinks when it falls below a quarter full and gives
 * its block back when it empties.
 */
export class FollowerTable {
  private arena = new Int32Array(1024);
  /** The followee whose list holds each arena position in use: an edge's key is (owners[p], arena[p]). */
  private owners = new Int32Array(1024);
  private top = 0;
  /** Per size class, the first free block, each free block's first slot holding the next. */
  private readonly free = new Int32Array(CLASSES).fill(EMPTY);

  /** Each user's list as (start, count), side by side: the one cache line every operation reads. */
  private lists = new Int32Array(0);
  /** log2 of each list's block size; meaningless while its count is 0, when it has no block. */
  private classes = new Uint8Array(0);

  /**
   * Each entry is an arena position in its low positionBits and, above them,
   * how far the entry sits from its home slot (saturating at `far`; past it
   * the distance is worked out from the key): a probe skips entries whose
   * home is elsewhere without reading the arena, and deletion shifts entries
   * back without rehashing their keys.
   */
  private slots: Int32Array;
  private positionBits = MIN_POSITION_BITS;
  private positionMask = (1 << MIN_POSITION_BITS) - 1;
  private far = (1 << (31 - MIN_POSITION_BITS)) - 1;
  private shift: number;
  private mask: number;
  private edgeCount = 0;

  constructor(initialEdges = 1024) {
    let bits = 4;
    while (1 << bits < initialEdges * 2) bits++;
    this.shift = 32 - bits;
    this.mask = (1 << bits) - 1;
    this.slots = new Int32Array(1 << bits).fill(EMPTY);
  }

  get edges(): number {
    return this.edgeCount;
  }

  /**
   * Every follower list: `followee`'s are the {@link followerCount} entries
   * from {@link followersStart}. The array is replaced when it grows, so
   * fetch it again after a follow.
   */
  get followerArena(): Int32Array {
    return this.arena;
  }

  followersStart(followee: number): number {
    return 2 * followee < this.lists.length ? this.lists[2 * followee] : 0;
  }

  followerCount(followee: number): number {
    return 2 * followee < this.lists.length ? this.lists[2 * followee + 1] : 0;
  }

  isFollowing(follower: number, followee: number): boolean {
    return this.slots[this.probe(followee, follower)] !== EMPTY;
  }

  /** Adds the edge follower → followee. Returns false if it already existed. */
  follow(follower: number, followee: number): boolean {
    const slot = this.probe(followee, follower);
    if (this.slots[slot] !== EMPTY) return false;
    if (2 * followee >= this.lists.length) this.growUsers(followee);
    const count = this.lists[2 * followee + 1];
    if (count === 0) {
      this.lists[2 * followee] = this.allocate(0);
      this.classes[followee] = 0;
    } else if ((count & (count - 1)) === 0 && count === 1 << this.classes[followee]) {
      // Blocks are powers of two, so only a count that is one can fill its block.
      this.grow(followee);
    }
    // Moving a list repoints occupied slots only, so `slot` is still the empty one found above.
    const at = this.lists[2 * followee] + count;
    this.arena[at] = follower;
    this.owners[at] = followee;
    this.lists[2 * followee + 1] = count + 1;
    this.slots[slot] = (this.distance(slot, followee, follower) << this.positionBits) | at;
    // Up to three quarters full: the distances let a probe skip foreign entries cheaply, and churn measured no slower than at half full, in half the memory.
    if (++this.edgeCount * 4 > this.slots.length * 3) this.rehash();
    return true;
  }

  /** Removes the edge follower → followee. Returns false if there was none. */
  unfollow(follower: number, followee: number): boolean {
    const slot = this.probe(followee, follower);
    if (this.slots[slot] === EMPTY) return false;
    const arena = this.arena;
    const at = this.slots[slot] & this.positionMask;
    const lists = this.lists;
    const count = lists[2 * followee + 1] - 1;
    const last = lists[2 * followee] + count;
    this.removeSlot(slot);
    if (at !== last) {
      const moved = arena[last];
      arena[at] = moved;
      this.repoint(this.slotOf(followee, moved, last), at);
    }
    lists[2 * followee + 1] = count;
    this.edgeCount--;
    if (count === 0) {
      this.release(lists[2 * followee], this.classes[followee]);
    } else if (((count + 1) & count) === 0) {
      // A list is at least a quarter full until it shrinks, so it first falls below a quarter at 2^k − 1.
      const sizeClass = this.classes[followee];
      if (1 << sizeClass >= MIN_SHRINK && count * 4 < 1 << sizeClass) this.move(followee, sizeClass - 1);
    }
    return true;
  }

  /** The slot holding the edge (followee, follower), or the empty slot that ends its probe chain. */
  private probe(followee: number, follower: number): number {
    const mask = this.mask;
    const slots = this.slots;
    const owners = this.owners;
    const arena = this.arena;
    const bits = this.positionBits;
    const positions = this.positionMask;
    const far = this.far;
    let slot = slotFor(pairKey(followee, follower), this.shift);
    let distance = 0;
    for (;;) {
      const entry = slots[slot];
      if (entry === EMPTY) return slot;
      if (entry >>> bits === distance) {
        const p = entry & positions;
        if (owners[p] === followee && arena[p] === follower) return slot;
      }
      slot = (slot + 1) & mask;
      if (distance < far) distance++;
    }
  }

  /** How far `slot` is from the home of (followee, follower), as a slot records it. */
  private distance(slot: number, followee: number, follower: number): number {
    return Math.min((slot - slotFor(pairKey(followee, follower), this.shift)) & this.mask, this.far);
  }

  /** The slot holding arena position `at`, whose edge is (followee, follower). */
  private slotOf(followee: number, follower: number, at: number): number {
    const mask = this.mask;
    const slots = this.slots;
    const positions = this.positionMask;
    let slot = slotFor(pairKey(followee, follower), this.shift);
    while ((slots[slot] & positions) !== at) slot = (slot + 1) & mask;
    return slot;
  }

  private repoint(slot: number, at: number): void {
    this.slots[slot] = (this.slots[slot] & ~this.positionMask) | at;
  }

  /** Backward-shift deletion: keeps every probe chain unbroken without tombstones. */
  private removeSlot(hole: number): void {
    const mask = this.mask;
    const slots = this.slots;
    const bits = this.positionBits;
    const positions = this.positionMask;
    const far = this.far;
    let next = hole;
    for (;;) {
      next = (next + 1) & mask;
      const entry = slots[next];
      if (entry === EMPTY) break;
      const p = entry & positions;
      let distance = entry >>> bits;
      if (distance === far) distance = (next - slotFor(pairKey(this.owners[p], this.arena[p]), this.shift)) & mask;
      // The entry may fill the hole only if its home is not cyclically within (hole, next].
      const gap = (next - hole) & mask;
      if (distance < gap) continue;
      slots[hole] = (Math.min(distance - gap, far) << bits) | p;
      hole = next;
    }
    slots[hole] = EMPTY;
  }

  /** A full list doubles: in place at the top of the arena, else into a new block. */
  private grow(followee: number): void {
    const sizeClass = this.classes[followee];
    const size = 1 << sizeClass;
    if (this.lists[2 * followee] + size === this.top) {
      this.reserve(size);
      this.top += size;
      this.classes[followee] = sizeClass + 1;
    } else {
      this.move(followee, sizeClass + 1);
    }
  }

  /** Copies `followee`'s list into a block of class `sizeClass` and repoints its slots. */
  private move(followee: number, sizeClass: number): void {
    const from = this.lists[2 * followee];
    const to = this.allocate(sizeClass);
    const arena = this.arena;
    const owners = this.owners;
    const count = this.lists[2 * followee + 1];
    for (let i = 0; i < count; i++) {
      const follower = arena[from + i];
      arena[to + i] = follower;
      owners[to + i] = followee;
      this.repoint(this.slotOf(followee, follower, from + i), to + i);
    }
    this.release(from, this.classes[followee]);
    this.lists[2 * followee] = to;
    this.classes[followee] = sizeClass;
  }

  /** A block of 2^sizeClass slots: a free one of that size, else from the top. */
  private allocate(sizeClass: number): number {
    const block = this.free[sizeClass];
    if (block !== EMPTY) {
      this.free[sizeClass] = this.arena[block];
      return block;
    }
    const size = 1 << sizeClass;
    this.reserve(size);
    const at = this.top;
    this.top += size;
    return at;
  }

  private release(block: number, sizeClass: number): void {
    this.arena[block] = this.free[sizeClass];
    this.free[sizeClass] = block;
  }

  /** Makes room for `size` more slots above the top. */
  private reserve(size: number): void {
    if (this.top + size <= this.arena.length) return;
    const capacity = grownCapacity(this.arena.length, this.top + size);
    this.arena = resized(this.arena, capacity, this.top);
    this.owners = resized(this.owners, capacity, this.top);
    if (capacity > this.positionMask + 1) this.widenPositions(capacity);
  }

  private growUsers(user: number): void {
    const capacity = grownCapacity(this.classes.length, user + 1);
    this.lists = resized(this.lists, 2 * capacity);
    this.classes = resized(this.classes, capacity);
  }

  /** Gives positions the bits an arena of `capacity` needs, taking them from the distances. */
  private widenPositions(capacity: number): void {
    const bits = Math.ceil(Math.log2(capacity));
    const far = (1 << (31 - bits)) - 1;
    const slots = this.slots;
    for (let i = 0; i < slots.length; i++) {
      const entry = slots[i];
      if (entry !== EMPTY) slots[i] = (Math.min(entry >>> this.positionBits, far) << bits) | (entry & this.positionMask);
    }
    this.positionBits = bits;
    this.positionMask = bits === 31 ? 0x7fffffff : (1 << bits) - 1;
    this.far = far;
  }

  /** Reinserts list by list, reading the arena in order rather than following each old slot into it. */
  private rehash(): void {
    const bits = 33 - this.shift;
    const shift = 32 - bits;
    const mask = (1 << bits) - 1;
    const slots = new Int32Array(1 << bits).fill(EMPTY);
    const arena = this.arena;
    const lists = this.lists;
    const positionBits = this.positionBits;
    const far = this.far;
    for (let followee = 0; 2 * followee < lists.length; followee++) {
      const first = lists[2 * followee];
      const end = first + lists[2 * followee + 1];
      for (let p = first; p < end; p++) {
        let slot = slotFor(pairKey(followee, arena[p]), shift);
        let distance = 0;
        while (slots[slot] !== EMPTY) {
          slot = (slot + 1) & mask;
          if (distance < far) distance++;
        }
        slots[slot] = (distance << positionBits) | p;
      }
    }
    this.shift = shift;
    this.mask = mask;
    this.slots = slots;
  }
}
