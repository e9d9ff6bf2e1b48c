/**
 * Whether connected-follower lists would pay (`bun test/bench/status-fanout.ts`):
 * a status update today walks every follower of its sender, online or not
 * (router.ts). On a 100,000-user graph with 20 followers per user and 10% of
 * users online, this times that walk against walking a list that holds only
 * the online followers, built ahead and never updated: the most such lists
 * could save, before the cost of keeping them current on every follow,
 * unfollow, connect and disconnect.
 */
import { bench, do_not_optimize, run, summary } from "mitata";
import { FollowerTable } from "../../src/graph/follower-table.ts";
import { ClientDirectory } from "../../src/routing/client-directory.ts";
import { Prng } from "../../src/simulate/prng.ts";

const USERS = 100_000;
const EDGES = 2_000_000;
const ONLINE = 10_000;
const rng = new Prng(5);
const table = new FollowerTable();
for (let i = 0; i < EDGES; i++) table.follow(rng.int(USERS), rng.int(USERS));
const dir = new ClientDirectory(1 << 22);
const online = new Uint8Array(USERS);
const sink = { write: (_d: Uint8Array, _o: number, l: number) => l };
while (dir.connections < ONLINE) {
  const u = rng.int(USERS);
  if (!online[u]) {
    online[u] = 1;
    dir.add(u, sink);
  }
}
// Idealized connected-follower lists (maintenance not counted): the upper bound of what they could save.
const onlineFollowers: Int32Array[] = [];
let total = 0,
  totalOnline = 0;
for (let u = 0; u < USERS; u++) {
  const f = table.followerArena,
    first = table.followersStart(u),
    n = table.followerCount(u);
  const list: number[] = [];
  for (let i = first; i < first + n; i++) if (online[f[i]]) list.push(f[i]);
  onlineFollowers.push(Int32Array.from(list));
  total += n;
  totalOnline += list.length;
}
console.log(`followers per user ${(total / USERS).toFixed(1)}, online followers per user ${(totalOnline / USERS).toFixed(2)}`);
const senders = Int32Array.from({ length: 1 << 16 }, () => rng.int(USERS));
summary(() => {
  bench("status: walk every follower (today)", () => {
    let hits = 0;
    for (let k = 0; k < senders.length; k++) {
      const u = senders[k],
        f = table.followerArena,
        first = table.followersStart(u),
        end = first + table.followerCount(u);
      for (let i = first; i < end; i++) if (dir.firstConnectionOf(f[i]) !== null) hits++;
    }
    do_not_optimize(hits);
  });
  bench("status: walk connected followers only (ideal list, no upkeep)", () => {
    let hits = 0;
    for (let k = 0; k < senders.length; k++) {
      const f = onlineFollowers[senders[k]];
      for (let i = 0; i < f.length; i++) if (dir.firstConnectionOf(f[i]) !== null) hits++;
    }
    do_not_optimize(hits);
  });
});
await run();
