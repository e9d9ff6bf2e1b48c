import { FollowerTable } from "../../src/graph/follower-table.ts";
import { UserIndex } from "../../src/graph/user-index.ts";
import { ClientDirectory } from "../../src/routing/client-directory.ts";
import type { Outbox } from "../../src/routing/outbox.ts";
import { Router } from "../../src/routing/router.ts";
import { FakeWriter } from "./fake-writer.ts";

/**
 * A Router over real graph and directory objects, with fake sockets: what the
 * fan-out looks like inside.
 */
export class RoutingWorld {
  readonly users = new UserIndex();
  readonly graph = new FollowerTable();
  readonly clients: ClientDirectory<FakeWriter>;
  readonly router: Router;
  /** Connections dropped by {@link flush}, with whether they overflowed. */
  readonly dropped: [Outbox<FakeWriter>, boolean][] = [];

  constructor(maxQueuedBytes = 1 << 20) {
    this.clients = new ClientDirectory<FakeWriter>(maxQueuedBytes);
    this.router = new Router(this.users, this.graph, this.clients);
  }

  /** Connects a client for user `id`, as the fan-out does after the handshake. */
  connect(id: number, name = `user ${id}`): Outbox<FakeWriter> {
    return this.clients.add(this.users.intern(id), new FakeWriter(name));
  }

  disconnect(outbox: Outbox<FakeWriter>): void {
    this.clients.remove(outbox);
  }

  /** Writes everything queued, as the fan-out does at the end of each cycle. */
  flush(): void {
    this.clients.flush((outbox, overflowed) => {
      this.dropped.push([outbox, overflowed]);
      this.clients.remove(outbox);
    });
  }

  /** Flushes, then returns the lines each given connection has received so far. */
  received(...outboxes: Outbox<FakeWriter>[]): string[][] {
    this.flush();
    return outboxes.map((outbox) => outbox.writer.lines());
  }
}
