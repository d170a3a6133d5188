import { Opcode } from '../protocol/constants.js';
import { encodeServerFrame } from '../protocol/frame.js';
import { binaryToBuffer, type BinaryData } from './data.js';

/** What a prepared message needs to know of a connection's negotiated compression. */
export interface CompressionInfo {
  shouldCompress(byteLength: number): boolean;
  /** Returns the compressed frame shared by every connection with the same parameters, or null. */
  sharedCompressedFrame?(message: PreparedMessage): Buffer | null;
}

/**
 * A message encoded and framed once, to be written to many connections with
 * `ws.sendPrepared(msg)`: server frames are unmasked, so every subscriber gets the
 * same bytes and a broadcast costs one encode however many subscribers there are.
 */
export class PreparedMessage {
  readonly payload: Buffer;
  readonly binary: boolean;
  /** The complete uncompressed frame. */
  readonly frame: Buffer;
  /** Compressed frames, cached per set of deflate parameters by the compression layer. */
  readonly compressedFrames = new Map<string, Buffer>();

  constructor(payload: Buffer, binary: boolean) {
    this.payload = payload;
    this.binary = binary;
    this.frame = encodeServerFrame(payload, { opcode: binary ? Opcode.Binary : Opcode.Text });
  }

  /**
   * The frame to write to a connection that negotiated compression: the plain frame when
   * the message is below the threshold, a shared compressed frame when the connection keeps
   * no context, or null when it must be compressed with the connection's own context.
   */
  frameFor(compression: CompressionInfo): Buffer | null {
    if (!compression.shouldCompress(this.payload.length)) return this.frame;
    return compression.sharedCompressedFrame?.(this) ?? null;
  }
}

/** Encodes and frames a message once for many sends. Strings are text unless `binary` is set. */
export function prepareMessage(data: string | BinaryData, options: { binary?: boolean } = {}): PreparedMessage {
  if (typeof data === 'string') return new PreparedMessage(Buffer.from(data), options.binary ?? false);
  const bytes = binaryToBuffer(data);
  if (bytes === null) throw new TypeError('prepareMessage takes a string, a Buffer, an ArrayBuffer or a typed array');
  return new PreparedMessage(bytes, options.binary ?? true);
}
