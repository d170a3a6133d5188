import { constants, deflateRaw, deflateRawSync } from 'node:zlib';
import { DEFAULT_CONCURRENCY_LIMIT, DEFAULT_LEVEL, DEFAULT_MEM_LEVEL, deflateWindowBits } from './options.js';
import { sharedLimiter } from './limiter.js';
import { stripTrailer } from './trailer.js';

/** How a message is compressed without context: equal settings give byte-identical output. */
export interface StatelessDeflateSettings {
  /** The receiver's negotiated window (8..15). */
  windowBits: number;
  level?: number;
  memLevel?: number;
}

function zlibOptions(s: StatelessDeflateSettings) {
  return {
    windowBits: deflateWindowBits(s.windowBits),
    level: s.level ?? DEFAULT_LEVEL,
    memLevel: s.memLevel ?? DEFAULT_MEM_LEVEL,
    finishFlush: constants.Z_SYNC_FLUSH,
  };
}

/**
 * A key naming the output of these settings: connections whose outgoing side has no context
 * takeover and the same key can share one compressed payload (compress once, write many).
 * Windows 8 and 9 share a key because both compress with 9.
 */
export function statelessKey(s: StatelessDeflateSettings): string {
  const o = zlibOptions(s);
  return `deflate-w${o.windowBits}-l${o.level}-m${o.memLevel}`;
}

/**
 * Compresses a whole message as the first message of a fresh context would be: the payload
 * of a frame with RSV1 for any peer that agreed to no context takeover on our side.
 * Runs on the thread pool inside the shared concurrency limit.
 */
export function compressStateless(
  data: Buffer,
  settings: StatelessDeflateSettings,
  cb: (err: Error | null, out?: Buffer) => void,
  concurrencyLimit = DEFAULT_CONCURRENCY_LIMIT,
): void {
  const limiter = sharedLimiter(concurrencyLimit);
  limiter.acquire(() => {
    deflateRaw(data, zlibOptions(settings), (err, out) => {
      limiter.release();
      if (err) cb(err);
      else cb(null, stripTrailer(out));
    });
  });
}

/**
 * The same, on the calling thread: for a broadcast framed synchronously, where one
 * compression is paid for all subscribers. It blocks the event loop for the time of one
 * compression and is not counted by the concurrency limit.
 */
export function compressStatelessSync(data: Buffer, settings: StatelessDeflateSettings): Buffer {
  return stripTrailer(deflateRawSync(data, zlibOptions(settings)));
}
