/** A short, printable, quoted rendering of untrusted bytes for a log line. */
export function quote(bytes: Uint8Array, max = 80): string {
  const text = new TextDecoder().decode(bytes.subarray(0, max));
  return JSON.stringify(bytes.length > max ? `${text}…` : text);
}
