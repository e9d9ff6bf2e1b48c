import type { Socket } from "bun";
import { StreamDigest } from "./digest.ts";
import type { Workload } from "./workload.ts";

export interface DriveResult {
  /** From the end of the barrier broadcast to the last client's last byte. */
  seconds: number;
  /** One line per client whose bytes differ from what it should have received. */
  mismatches: string[];
}

/** The workload's first event, "1|B\r\n", sent alone so every client is known to be registered before timing starts. */
const BARRIER_BYTES = 5;

/**
 * Connects the workload's clients and one event source to a running server,
 * streams the events and resolves when every client has received as many
 * bytes as it should, comparing digests. Rejects when nothing arrives for
 * `stallMs` or a client is disconnected early.
 */
export async function driveWorkload(host: string, eventPort: number, clientPort: number, workload: Workload, stallMs: number): Promise<DriveResult> {
  const n = workload.clientUsers.length;
  const received = workload.clientUsers.map(() => new StreamDigest());
  let lastProgress = performance.now();
  let waiting = n;
  let barrierWaiting = n;
  const allReceived = Promise.withResolvers<void>();
  const barrier = Promise.withResolvers<void>();

  const sockets: Socket<number>[] = [];
  for (let i = 0; i < n; i++) {
    sockets.push(
      await Bun.connect<number>({
        hostname: host,
        port: clientPort,
        data: i,
        socket: {
          binaryType: "uint8array",
          open(socket) {
            socket.write(`${workload.clientUsers[socket.data]}\r\n`);
          },
          data(socket, chunk: Uint8Array) {
            const digest = received[socket.data] as StreamDigest;
            const before = digest.bytes;
            digest.update(chunk);
            lastProgress = performance.now();
            if (before < BARRIER_BYTES && digest.bytes >= BARRIER_BYTES && --barrierWaiting === 0) barrier.resolve();
            const want = (workload.expected[socket.data] as StreamDigest).bytes;
            if (before < want && digest.bytes >= want && --waiting === 0) allReceived.resolve();
          },
          close(socket) {
            const i = socket.data;
            if ((received[i] as StreamDigest).bytes < (workload.expected[i] as StreamDigest).bytes) {
              const error = new Error(`client ${i} (user ${workload.clientUsers[i]}) was disconnected before receiving everything`);
              barrier.reject(error);
              allReceived.reject(error);
            }
          },
        },
      }),
    );
  }

  let piece = 0;
  let offset = 0;
  let holdAfterBarrier = true;
  const source = await Bun.connect({ hostname: host, port: eventPort, socket: { drain: () => pump(), data() {} } });
  const pump = (): void => {
    while (piece < workload.stream.length) {
      const bytes = workload.stream[piece] as Uint8Array;
      const written = source.write(bytes, offset, bytes.length - offset);
      if (written < 0) {
        allReceived.reject(new Error("the server closed the event source connection"));
        return;
      }
      offset += written;
      if (offset < bytes.length) return;
      offset = 0;
      piece++;
      if (piece === 1 && holdAfterBarrier) return;
    }
  };

  // One watchdog for both stages; `stage` names what a stall was waiting for.
  let stage = "every client to register and receive event 1";
  let watch: ReturnType<typeof setInterval> | undefined;
  const stalled = new Promise<never>((_, reject) => {
    watch = setInterval(() => {
      if (performance.now() - lastProgress > stallMs) reject(new Error(`no progress for ${stallMs} ms waiting for ${stage}`));
    }, 100);
  });

  try {
    pump();
    lastProgress = performance.now();
    await Promise.race([barrier.promise, stalled]);
    const started = performance.now();
    stage = "notifications";
    holdAfterBarrier = false;
    pump();
    await Promise.race([allReceived.promise, stalled]);
    const seconds = (performance.now() - started) / 1000;
    const mismatches: string[] = [];
    for (let i = 0; i < n; i++) {
      const got = received[i] as StreamDigest;
      const want = workload.expected[i] as StreamDigest;
      if (got.bytes !== want.bytes || got.hash !== want.hash) {
        mismatches.push(`client ${i} (user ${workload.clientUsers[i]}): got ${got.bytes} bytes #${got.hash >>> 0}, want ${want.bytes} bytes #${want.hash >>> 0}`);
      }
    }
    return { seconds, mismatches };
  } finally {
    clearInterval(watch);
    for (const socket of sockets) socket.end();
    source.end();
  }
}
