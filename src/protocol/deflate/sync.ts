import { constants as bufferConstants } from 'node:buffer';
import { constants, inflateRawSync } from 'node:zlib';
import { CloseCode } from '../constants.js';
import { ErrorCode, ProtocolError } from '../errors.js';
import { TRAILER } from './trailer.js';

/**
 * Bounds of the synchronous path, which runs zlib on the event loop: a whole message without
 * context takeover is compressed or inflated there when it is this small, with no thread-pool
 * round trip and no zlib stream object. Larger messages, fragments and messages with context
 * takeover go through the connection's stream on the thread pool.
 *
 * - SYNC_DEFLATE_MAX_INPUT: the largest message compressed synchronously (zlib's work grows
 *   with the input: about 0.1-0.3 ms for 16 KiB of text at level 6 on the development machine).
 * - SYNC_INFLATE_MAX_INPUT / SYNC_INFLATE_MAX_OUTPUT: the largest compressed payload inflated
 *   synchronously, and the most output produced that way. Inflating work grows with the output,
 *   which a small input can multiply by 1,000: past SYNC_INFLATE_MAX_OUTPUT the attempt is
 *   abandoned and the message inflated again on the thread pool, under maxPayload as ever.
 */
export const SYNC_DEFLATE_MAX_INPUT = 16 * 1024;
export const SYNC_INFLATE_MAX_INPUT = 16 * 1024;
export const SYNC_INFLATE_MAX_OUTPUT = 64 * 1024;

/** The result of inflateWholeSync: the message, a ProtocolError to fail with, or RETRY_ASYNC. */
export const RETRY_ASYNC = null;

/**
 * Inflates a whole compressed message (one frame, no context) on the calling thread.
 * Returns RETRY_ASYNC (null) when the thread pool must do it instead: the output passes
 * SYNC_INFLATE_MAX_OUTPUT below maxPayload, or the data holds a block with BFINAL followed by
 * more (which the streaming inflater handles). Errors are those of the streaming inflater:
 * 1009 past maxPayload, 1007 on invalid data.
 */
export function inflateWholeSync(data: Buffer, windowBits: number, maxPayload: number): Buffer | ProtocolError | null {
  const input = Buffer.allocUnsafe(data.length + TRAILER.length);
  data.copy(input, 0);
  TRAILER.copy(input, data.length);
  const limitedByPayload = maxPayload > 0 && maxPayload <= SYNC_INFLATE_MAX_OUTPUT;
  const maxOutputLength = limitedByPayload ? maxPayload : Math.min(SYNC_INFLATE_MAX_OUTPUT, bufferConstants.MAX_LENGTH);
  let result: { buffer: Buffer; engine: { bytesWritten: number } };
  try {
    // `info` returns the engine as well: its bytesWritten tells whether zlib read all input.
    result = inflateRawSync(input, { windowBits, finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength, info: true }) as unknown as typeof result;
  } catch (caught) {
    const err = caught as Error & { code?: string };
    if (err.code === 'ERR_BUFFER_TOO_LARGE') {
      return limitedByPayload
        ? new ProtocolError(ErrorCode.MessageTooBig, CloseCode.MessageTooBig, `Decompressed message exceeds the ${maxPayload}-byte limit`)
        : RETRY_ASYNC;
    }
    return new ProtocolError(ErrorCode.DecompressionFailed, CloseCode.InvalidPayload, `Invalid compressed data: ${err.message}${err.code ? ` (${err.code})` : ''}`);
  }
  if (result.engine.bytesWritten !== input.length) return RETRY_ASYNC;
  const out = result.buffer;
  // A small message is a slice of zlib's 16 KiB output chunk: copy it, or a message kept by
  // the application would pin the chunk.
  return out.length * 2 < out.buffer.byteLength ? Buffer.from(out) : out;
}
