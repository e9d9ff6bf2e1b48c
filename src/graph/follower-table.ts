import { IntPairTable } from "../collections/int-pair-table.ts";
import { grownCapacity, resized } from "../collections/typed-arrays.ts";

const NO_FOLLOWERS = new Int32Array(0);
const MIN_LIST = 4;

/**
 * Who follows whom, over dense user indices (see UserIndex).
 *
 * Each user's followers sit packed in an Int32Array, so a status update walks
 * a contiguous array and allocates nothing. An edge hash maps (followee,
 * follower) to the follower's position in that array, which makes follow,
 * unfollow and membership O(1) amortised: unfollow moves the last follower
 * into the hole and fixes its position in the hash. Memory is O(users +
 * edges); a list shrinks when it falls to a quarter full.
 */
export class FollowerTable {
  private lists: Int32Array[] = [];
  private counts = new Int32Array(0);
  /** (followee, follower) → the follower's position in the followee's list. */
  private readonly positions: IntPairTable;

  constructor(initialEdges = 1024) {
    this.positions = new IntPairTable(initialEdges);
  }

  get edges(): number {
    return this.positions.size;
  }

  /** Followers of `followee`; only the first {@link followerCount} entries are meaningful. */
  followers(followee: number): Int32Array {
    return followee < this.lists.length ? this.lists[followee] : NO_FOLLOWERS;
  }

  followerCount(followee: number): number {
    return followee < this.counts.length ? this.counts[followee] : 0;
  }

  isFollowing(follower: number, followee: number): boolean {
    return this.positions.get(followee, follower) >= 0;
  }

  /** Adds the edge follower → followee. Returns false if it already existed. */
  follow(follower: number, followee: number): boolean {
    if (followee >= this.counts.length) this.growUsers(followee);
    const count = this.counts[followee];
    if (this.positions.putIfAbsent(followee, follower, count) >= 0) return false;
    let list = this.lists[followee];
    if (count === list.length) {
      list = resized(list, Math.max(MIN_LIST, count * 2), count);
      this.lists[followee] = list;
    }
    list[count] = follower;
    this.counts[followee] = count + 1;
    return true;
  }

  /** Removes the edge follower → followee. Returns false if there was none. */
  unfollow(follower: number, followee: number): boolean {
    const position = this.positions.remove(followee, follower);
    if (position < 0) return false;
    const list = this.lists[followee];
    const last = this.counts[followee] - 1;
    if (position !== last) {
      const moved = list[last];
      list[position] = moved;
      this.positions.replace(followee, moved, position);
    }
    this.counts[followee] = last;
    if (list.length > MIN_LIST * 4 && last * 4 < list.length) {
      this.lists[followee] = resized(list, list.length >> 1, last);
    }
    return true;
  }

  private growUsers(user: number): void {
    const capacity = grownCapacity(this.counts.length, user + 1);
    this.counts = resized(this.counts, capacity);
    for (let i = this.lists.length; i < capacity; i++) this.lists.push(NO_FOLLOWERS);
  }
}
