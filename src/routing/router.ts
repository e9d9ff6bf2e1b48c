import type { FollowerTable } from "../graph/follower-table.ts";
import type { UserIndex } from "../graph/user-index.ts";
import { BROADCAST, FOLLOW, PRIVATE, STATUS, UNFOLLOW } from "../protocol/event-kind.ts";
import type { ClientDirectory } from "./client-directory.ts";
import type { Outbox } from "./outbox.ts";

/**
 * Applies one in-order event to the follower graph and queues its line for
 * exactly the connections that must see it. A NOOP kind changes nothing.
 */
export class Router {
  /** Notifications queued (one per receiving connection). */
  notifications = 0;

  constructor(
    protected readonly users: UserIndex,
    private readonly graph: FollowerTable,
    private readonly clients: ClientDirectory,
  ) {}

  /**
   * Routes the next event of the ordered stream (see OrderedEvents.event;
   * the sequence number plays no part in routing). The fan-out inherits this
   * as its own `event`, so the sequencer calls it directly.
   */
  event(_seq: number, kind: number, from: number, to: number, line: Uint8Array, start: number, length: number): void {
    switch (kind) {
      case FOLLOW: {
        const followee = this.users.intern(to);
        this.graph.follow(this.users.intern(from), followee);
        this.send(this.clients.firstConnectionOf(followee), line, start, length);
        return;
      }
      case UNFOLLOW: {
        const follower = this.users.lookup(from);
        const followee = this.users.lookup(to);
        if (follower >= 0 && followee >= 0) this.graph.unfollow(follower, followee);
        return;
      }
      case BROADCAST:
        this.notifications += this.clients.broadcast(line, start, length);
        return;
      case PRIVATE: {
        const user = this.users.lookup(to);
        if (user >= 0) this.send(this.clients.firstConnectionOf(user), line, start, length);
        return;
      }
      case STATUS: {
        const user = this.users.lookup(from);
        if (user < 0) return;
        const followers = this.graph.followerArena;
        const first = this.graph.followersStart(user);
        const end = first + this.graph.followerCount(user);
        const clients = this.clients;
        // Stored once, on meeting the first follower who is connected.
        let at = -1;
        for (let i = first; i < end; i++) {
          const connection = clients.firstConnectionOf(followers[i]);
          if (connection === null) continue;
          if (at < 0) at = clients.store(line, start, length);
          this.notifications += clients.queue(connection, at, length);
        }
        return;
      }
    }
  }

  private send(first: Outbox | null, line: Uint8Array, start: number, length: number): void {
    if (first === null) return;
    const clients = this.clients;
    this.notifications += clients.queue(first, clients.store(line, start, length), length);
  }
}
