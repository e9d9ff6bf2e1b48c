/**
 * `buf`, with its `subarray` counted: how tests see that a hot path takes no
 * view (an allocation) of a read, or exactly one per event.
 */
export function countingViews(buf: Uint8Array): { buf: Uint8Array; views: () => number } {
  let views = 0;
  const subarray = buf.subarray.bind(buf);
  buf.subarray = (begin?: number, end?: number) => {
    views++;
    return subarray(begin, end);
  };
  return { buf, views: () => views };
}
