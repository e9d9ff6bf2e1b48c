/**
 * An order-sensitive running digest of a byte stream (FNV-1a, 32 bit) plus its
 * length: two streams with equal digests and lengths are, for a load test,
 * the same stream. Fed chunk by chunk, so it works on socket reads as they come.
 */
export class StreamDigest {
  hash = 0x811c9dc5;
  bytes = 0;

  update(data: Uint8Array, start = 0, end = data.length): void {
    let h = this.hash;
    for (let i = start; i < end; i++) h = Math.imul(h ^ data[i], 0x01000193);
    this.hash = h;
    this.bytes += end - start;
  }
}
