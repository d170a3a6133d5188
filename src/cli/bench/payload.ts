// The bench message: a 16-byte header (send time, sequence number, a magic tag) padded to
// --size. Binary messages carry the header as bytes; text messages as 32 hex digits, so the
// payload stays ASCII and its byte length is exactly --size either way.

import { performance } from 'node:perf_hooks';

/** The smallest --size: room for the header in its text (hex) form. */
export const MIN_MESSAGE_SIZE = 32;
const HEADER_BYTES = 16;
/** "VLB1": tells a bench message from anything else a server may send (welcome frames...). */
const MAGIC = 0x564c4231;

/**
 * Milliseconds on the wall clock with sub-millisecond resolution, monotonic within a
 * process. Broadcast latency compares it across worker processes on the same machine.
 */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

export interface MessageHeader {
  sentAt: number;
  seq: number;
}

export class PayloadFactory {
  private readonly filler: Buffer;

  constructor(
    readonly size: number,
    readonly binary: boolean,
  ) {
    this.filler = Buffer.alloc(size, 'x');
  }

  /** A fresh message each time: a send may still hold on to the previous one. */
  make(seq: number, sentAt = nowMs()): Buffer | string {
    const header = Buffer.allocUnsafe(HEADER_BYTES);
    header.writeDoubleLE(sentAt, 0);
    header.writeUInt32LE(seq >>> 0, 8);
    header.writeUInt32LE(MAGIC, 12);
    if (!this.binary) return header.toString('hex') + this.filler.toString('latin1', MIN_MESSAGE_SIZE);
    const message = Buffer.allocUnsafe(this.size);
    header.copy(message, 0);
    this.filler.copy(message, HEADER_BYTES, HEADER_BYTES);
    return message;
  }
}

/** Reads the header back from a received message (text or binary); null if it is not ours. */
export function readHeader(data: Buffer, isBinary: boolean): MessageHeader | null {
  let header: Buffer;
  if (isBinary) {
    if (data.length < HEADER_BYTES) return null;
    header = data;
  } else {
    if (data.length < MIN_MESSAGE_SIZE) return null;
    header = Buffer.from(data.toString('latin1', 0, MIN_MESSAGE_SIZE), 'hex');
    if (header.length !== HEADER_BYTES) return null;
  }
  if (header.readUInt32LE(12) !== MAGIC) return null;
  return { sentAt: header.readDoubleLE(0), seq: header.readUInt32LE(8) };
}
