import { describe, expect, test } from "bun:test";
import { countingViews } from "../../test/support/counting-views.ts";
import { RoutingWorld } from "../../test/support/routing-world.ts";
import { BROADCAST, FOLLOW, NOOP, PRIVATE, STATUS, UNFOLLOW } from "../protocol/event-kind.ts";

const encoder = new TextEncoder();

/** Routes `line` as read from the wire, embedded in a larger read buffer. */
function route(world: RoutingWorld, kind: number, from: number, to: number, line: string): void {
  const buf = encoder.encode(`x|y\r\n${line}\r\n9|B`);
  world.router.event(0, kind, from, to, buf, 5, line.length);
}

describe("Router", () => {
  test("follow notifies every connection of `to` and nobody else, and records the edge", () => {
    const world = new RoutingWorld();
    const to1 = world.connect(50, "to (1)");
    const to2 = world.connect(50, "to (2)");
    const from = world.connect(60);
    const other = world.connect(70);
    route(world, FOLLOW, 60, 50, "1|F|60|50");
    expect(world.received(to1, to2, from, other)).toEqual([["1|F|60|50"], ["1|F|60|50"], [], []]);
    expect(world.graph.isFollowing(world.users.lookup(60), world.users.lookup(50))).toBe(true);
    expect(world.router.notifications).toBe(2);
  });

  test("follow is a set, but every follow event is delivered", () => {
    const world = new RoutingWorld();
    const to = world.connect(2);
    const follower = world.connect(1);
    route(world, FOLLOW, 1, 2, "1|F|1|2");
    route(world, FOLLOW, 1, 2, "2|F|1|2");
    expect(world.received(to)).toEqual([["1|F|1|2", "2|F|1|2"]]);
    expect(world.graph.edges).toBe(1);
    // One edge, so the follower gets the followee's status once.
    route(world, STATUS, 2, 0, "3|S|2");
    expect(world.received(to, follower)).toEqual([["1|F|1|2", "2|F|1|2"], ["3|S|2"]]);
    expect(world.router.notifications).toBe(3);
  });

  test("follow edges are kept for offline users", () => {
    const world = new RoutingWorld();
    route(world, FOLLOW, 1, 2, "1|F|1|2");
    const follower = world.connect(1);
    route(world, STATUS, 2, 0, "2|S|2");
    expect(world.received(follower)).toEqual([["2|S|2"]]);
    expect(world.router.notifications).toBe(1);
  });

  test("unfollow notifies nobody and removes the edge", () => {
    const world = new RoutingWorld();
    const a = world.connect(1);
    const b = world.connect(2);
    route(world, FOLLOW, 1, 2, "1|F|1|2");
    route(world, UNFOLLOW, 1, 2, "2|U|1|2");
    route(world, STATUS, 2, 0, "3|S|2");
    expect(world.received(a, b)).toEqual([[], ["1|F|1|2"]]);
    expect(world.graph.edges).toBe(0);
    expect(world.router.notifications).toBe(1);
  });

  test("unfollow of unknown users or missing edges is a no-op and interns nobody", () => {
    const world = new RoutingWorld();
    const a = world.connect(1);
    route(world, UNFOLLOW, 1, 999, "1|U|1|999");
    route(world, UNFOLLOW, 998, 1, "2|U|998|1");
    route(world, UNFOLLOW, 997, 996, "3|U|997|996");
    expect(world.users.size).toBe(1);
    route(world, FOLLOW, 2, 1, "4|F|2|1");
    route(world, UNFOLLOW, 1, 2, "5|U|1|2"); // wrong direction: no such edge
    expect(world.graph.edges).toBe(1);
    expect(world.received(a)).toEqual([["4|F|2|1"]]);
  });

  test("broadcast reaches every connection, once per connection", () => {
    const world = new RoutingWorld();
    const outboxes = [world.connect(1), world.connect(2), world.connect(2), world.connect(0), world.connect(2147483647)];
    route(world, BROADCAST, 0, 0, "1|B");
    expect(world.received(...outboxes)).toEqual(outboxes.map(() => ["1|B"]));
    expect(world.router.notifications).toBe(5);
  });

  test("broadcast with nobody connected does nothing", () => {
    const world = new RoutingWorld();
    route(world, BROADCAST, 0, 0, "1|B");
    expect(world.router.notifications).toBe(0);
  });

  test("private message reaches only `to`, on every connection", () => {
    const world = new RoutingWorld();
    const from = world.connect(1);
    const to1 = world.connect(2);
    const to2 = world.connect(2);
    const other = world.connect(3);
    route(world, PRIVATE, 1, 2, "1|P|1|2");
    expect(world.received(from, to1, to2, other)).toEqual([[], ["1|P|1|2"], ["1|P|1|2"], []]);
    expect(world.router.notifications).toBe(2);
  });

  test("private message to an unknown or offline user is dropped and interns nobody", () => {
    const world = new RoutingWorld();
    const a = world.connect(1);
    route(world, PRIVATE, 1, 404, "1|P|1|404");
    expect(world.users.size).toBe(1);
    const b = world.connect(2);
    world.disconnect(b);
    route(world, PRIVATE, 1, 2, "2|P|1|2");
    expect(world.received(a, b)).toEqual([[], []]);
    expect(world.router.notifications).toBe(0);
  });

  test("status goes to current followers only, on each of their connections", () => {
    const world = new RoutingWorld();
    const author = world.connect(10);
    const f1 = world.connect(11);
    const f2a = world.connect(12);
    const f2b = world.connect(12);
    const former = world.connect(13);
    const stranger = world.connect(14);
    const followee = world.connect(15); // someone 10 follows: not notified of 10's status
    route(world, FOLLOW, 11, 10, "1|F|11|10");
    route(world, FOLLOW, 12, 10, "2|F|12|10");
    route(world, FOLLOW, 13, 10, "3|F|13|10");
    route(world, FOLLOW, 10, 15, "4|F|10|15");
    route(world, UNFOLLOW, 13, 10, "5|U|13|10");
    route(world, FOLLOW, 99, 10, "6|F|99|10"); // offline follower
    world.flush();
    const before = world.router.notifications;
    route(world, STATUS, 10, 0, "7|S|10");
    expect(world.router.notifications - before).toBe(3);
    const statuses = world.received(author, f1, f2a, f2b, former, stranger, followee).map((lines) => lines.filter((l) => l.includes("|S|")));
    expect(statuses).toEqual([[], ["7|S|10"], ["7|S|10"], ["7|S|10"], [], [], []]);
  });

  test("status from an unknown user or one without followers notifies nobody", () => {
    const world = new RoutingWorld();
    const a = world.connect(1);
    route(world, STATUS, 77, 0, "1|S|77");
    route(world, STATUS, 1, 0, "2|S|1");
    expect(world.users.size).toBe(1);
    expect(world.received(a)).toEqual([[]]);
    expect(world.router.notifications).toBe(0);
  });

  test("a user following itself gets its own status", () => {
    const world = new RoutingWorld();
    const a = world.connect(1);
    route(world, FOLLOW, 1, 1, "1|F|1|1");
    route(world, STATUS, 1, 0, "2|S|1");
    expect(world.received(a)).toEqual([["1|F|1|1", "2|S|1"]]);
  });

  test("NOOP and unknown kinds route nowhere", () => {
    const world = new RoutingWorld();
    const a = world.connect(1);
    route(world, NOOP, 1, 1, "1|X|1|1");
    route(world, 42, 1, 1, "2|?|1|1");
    expect(world.received(a)).toEqual([[]]);
    expect(world.router.notifications).toBe(0);
  });

  test("the line is forwarded byte for byte", () => {
    const world = new RoutingWorld();
    const a = world.connect(1);
    const line = "0000012|P|0002|001";
    route(world, PRIVATE, 2, 1, line);
    world.flush();
    expect(a.writer.text()).toBe(`${line}\r\n`);
  });

  describe("long lines: one view per event, however many recipients", () => {
    const countingRead = (line: string) => countingViews(encoder.encode(`x|y\r\n${line}\r\n`));

    test("a broadcast to many connections", () => {
      const world = new RoutingWorld();
      const outboxes = Array.from({ length: 10 }, (_, i) => world.connect(i + 1));
      const line = `1|B|${"x".repeat(100)}`;
      const { buf, views } = countingRead(line);
      world.router.event(0, BROADCAST, 0, 0, buf, 5, line.length);
      expect(views()).toBe(1);
      for (const lines of world.received(...outboxes)) expect(lines).toEqual([line]);
    });

    test("a status update to many followers, each connected twice", () => {
      const world = new RoutingWorld();
      const followers = [11, 12, 13, 14];
      const outboxes = followers.flatMap((id) => [world.connect(id), world.connect(id)]);
      for (const [i, id] of followers.entries()) route(world, FOLLOW, id, 1, `${i + 1}|F|${id}|1`);
      const line = `5|S|${"0".repeat(100)}1`;
      const { buf, views } = countingRead(line);
      world.router.event(0, STATUS, 1, 0, buf, 5, line.length);
      expect(views()).toBe(1);
      for (const lines of world.received(...outboxes)) expect(lines).toEqual([line]);
    });
  });
});
