/** The empty stored block a sync flush ends with; removed by the sender, re-added by the receiver (RFC 7692 section 7.2). */
export const TRAILER: Buffer = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/** `data` without a final TRAILER, sharing its memory. */
export function stripTrailer(data: Buffer): Buffer {
  const n = data.length;
  const ends = n >= 4 && data[n - 4] === 0x00 && data[n - 3] === 0x00 && data[n - 2] === 0xff && data[n - 1] === 0xff;
  return ends ? data.subarray(0, n - 4) : data;
}
