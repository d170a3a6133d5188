import { Opcode } from './constants.js';
import { applyMask, randomMaskKey } from './mask.js';

export interface FrameOptions {
  opcode: number;
  /** Last frame of the message; default true. */
  fin?: boolean;
  /** RSV1: set on the first frame of a compressed message. */
  rsv1?: boolean;
  /** Clients mask every frame (RFC 6455 section 5.3); servers never do. */
  mask: boolean;
}

// Below this size the payload is copied next to the header so that one buffer is
// written; above it, header and payload go out as two buffers and the payload is
// never copied (unless it must be masked).
const COPY_THRESHOLD = 1024;

function headerLength(payloadLength: number, mask: boolean): number {
  return (payloadLength < 126 ? 2 : payloadLength < 0x10000 ? 4 : 10) + (mask ? 4 : 0);
}

function writeHeader(target: Buffer, payloadLength: number, opts: FrameOptions): number {
  target[0] = ((opts.fin ?? true) ? 0x80 : 0) | (opts.rsv1 ? 0x40 : 0) | opts.opcode;
  const maskBit = opts.mask ? 0x80 : 0;
  if (payloadLength < 126) {
    target[1] = maskBit | payloadLength;
    return 2;
  }
  if (payloadLength < 0x10000) {
    target[1] = maskBit | 126;
    target.writeUInt16BE(payloadLength, 2);
    return 4;
  }
  target[1] = maskBit | 127;
  target.writeUInt32BE(Math.floor(payloadLength / 0x100000000), 2);
  target.writeUInt32BE(payloadLength >>> 0, 6);
  return 10;
}

/**
 * Encodes one frame as the buffers to write, in order. Server frames of large
 * payloads reference the caller's payload without copying it; client frames are
 * masked into a new buffer so the caller's data is never modified.
 */
export function encodeFrame(payload: Uint8Array, opts: FrameOptions): Buffer[] {
  const len = payload.length;
  const hlen = headerLength(len, opts.mask);
  if (opts.mask) {
    const out = Buffer.allocUnsafe(hlen + len);
    const at = writeHeader(out, len, opts);
    const key = randomMaskKey();
    key.copy(out, at);
    out.set(payload, hlen);
    applyMask(out.subarray(hlen), key);
    return [out];
  }
  if (len < COPY_THRESHOLD) {
    const out = Buffer.allocUnsafe(hlen + len);
    writeHeader(out, len, opts);
    out.set(payload, hlen);
    return [out];
  }
  const header = Buffer.allocUnsafe(hlen);
  writeHeader(header, len, opts);
  return [header, Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength)];
}

/** One unmasked frame as a single buffer (for a message framed once and written to many sockets). */
export function encodeServerFrame(payload: Uint8Array, opts: Omit<FrameOptions, 'mask'>): Buffer {
  const len = payload.length;
  const hlen = headerLength(len, false);
  const out = Buffer.allocUnsafe(hlen + len);
  writeHeader(out, len, { ...opts, mask: false });
  out.set(payload, hlen);
  return out;
}

/**
 * A small text frame straight from a string: the UTF-8 bytes are written next to the
 * header with no intermediate buffer. Returns null when the text is too large for this path.
 */
export function encodeTextFrame(text: string, mask: boolean): Buffer | null {
  // Each UTF-16 unit encodes to at most 3 bytes.
  if (text.length * 3 >= COPY_THRESHOLD) return null;
  const len = Buffer.byteLength(text);
  const hlen = headerLength(len, mask);
  const out = Buffer.allocUnsafe(hlen + len);
  const at = writeHeader(out, len, { opcode: Opcode.Text, mask });
  if (mask) {
    const key = randomMaskKey();
    key.copy(out, at);
    out.write(text, hlen);
    applyMask(out.subarray(hlen), key);
  } else {
    out.write(text, hlen);
  }
  return out;
}

/** Bytes of an unmasked frame carrying `payloadLength` bytes (see writeServerHeader). */
export function serverFrameLength(payloadLength: number): number {
  return headerLength(payloadLength, false) + payloadLength;
}

/**
 * Writes the header of an unmasked final frame at `target[at]`, for a payload under 64 KiB
 * (the small frames a sender writes into its output buffer); returns where the payload goes.
 */
export function writeServerHeader(target: Buffer, at: number, opcode: number, payloadLength: number): number {
  target[at] = 0x80 | opcode;
  if (payloadLength < 126) {
    target[at + 1] = payloadLength;
    return at + 2;
  }
  target[at + 1] = 126;
  target[at + 2] = payloadLength >>> 8;
  target[at + 3] = payloadLength & 0xff;
  return at + 4;
}
