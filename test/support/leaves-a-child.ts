/**
 * A test process in miniature, for test/processes.test.ts: starts a long
 * `sleep` through spawnTracked, prints its pid, then ends as argv[2] says
 * (`exit`: returns normally; `wait`: waits to be signalled).
 */
import { spawnTracked } from "./processes.ts";

const child = spawnTracked(["sleep", "60"], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
process.stdout.write(`${child.pid}\n`);
if (process.argv[2] === "exit") process.exit(0);
setInterval(() => {}, 1000);
