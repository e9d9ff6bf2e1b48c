import { FollowerTable } from "../graph/follower-table.ts";
import { UserIndex } from "../graph/user-index.ts";
import { FOLLOW, UNFOLLOW } from "../protocol/event-kind.ts";

/**
 * The follower graph alone, by user id, as the router keeps it but without
 * any connection: the sequencer tracks it to write snapshots, and a snapshot
 * is read back into one. Only follows and unfollows change it.
 */
export class FollowGraph {
  private readonly users = new UserIndex();
  private readonly table = new FollowerTable();

  get edges(): number {
    return this.table.edges;
  }

  /** Applies one event; every kind but FOLLOW and UNFOLLOW leaves the graph as it is. */
  apply(kind: number, from: number, to: number): void {
    if (kind === FOLLOW) {
      const followee = this.users.intern(to);
      this.table.follow(this.users.intern(from), followee);
    } else if (kind === UNFOLLOW) {
      const follower = this.users.lookup(from);
      const followee = this.users.lookup(to);
      if (follower >= 0 && followee >= 0) this.table.unfollow(follower, followee);
    }
  }

  /** Calls `visit` once per followee with followers, with their user ids (valid during the call only). */
  forEachFollowee(visit: (followee: number, followers: Int32Array, count: number) => void): void {
    const users = this.users;
    const table = this.table;
    let ids = new Int32Array(16);
    for (let index = 0; index < users.size; index++) {
      const count = table.followerCount(index);
      if (count === 0) continue;
      if (count > ids.length) ids = new Int32Array(Math.max(count, ids.length * 2));
      const followers = table.followerArena;
      const first = table.followersStart(index);
      for (let i = 0; i < count; i++) ids[i] = users.idOf(followers[first + i]);
      visit(users.idOf(index), ids, count);
    }
  }
}
