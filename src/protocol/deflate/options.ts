import { constants } from 'node:zlib';

/** Options of permessage-deflate (RFC 7692), for either role. Every default is documented in docs/compression.md. */
export interface PerMessageDeflateOptions {
  /**
   * Server: always ask for `server_no_context_takeover` in the response (the server resets its
   * compressor after every message). Client: offer it. Default false.
   */
  serverNoContextTakeover?: boolean;
  /**
   * Server: always ask the client to reset its compressor after every message. Client: offer it
   * (and honour it whatever the server answers). Default false.
   */
  clientNoContextTakeover?: boolean;
  /** Largest LZ77 window (log2) the server compresses with, 8..15. Default: 15, not sent. */
  serverMaxWindowBits?: number;
  /**
   * Largest window (log2) the client compresses with, 8..15. `true` (client only) offers the
   * parameter without a value: "the server may limit my window"; `false` (client only) leaves
   * it out. Client default: true (as browsers offer); server default: no preference.
   */
  clientMaxWindowBits?: number | boolean;
  /** Messages shorter than this many bytes are sent uncompressed. Default 1024. */
  threshold?: number;
  /** zlib compression level, -1..9. Default -1 (zlib's default, level 6). */
  level?: number;
  /** zlib memLevel, 1..9: memory of the compressor's hash table. Default 8. */
  memLevel?: number;
  /**
   * Largest number of zlib operations in flight at once, across every connection that uses
   * the same limit. Default 10.
   */
  concurrencyLimit?: number;
}

/** What both ends agreed on; window bits are 15 where no parameter limited them. */
export interface NegotiatedParams {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits: number;
  clientMaxWindowBits: number;
}

/** Options with every default filled in. */
export interface ResolvedOptions {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits: number | undefined;
  clientMaxWindowBits: number | true | undefined;
  threshold: number;
  level: number;
  memLevel: number;
  concurrencyLimit: number;
}

export const DEFAULT_THRESHOLD = 1024;
export const DEFAULT_LEVEL = constants.Z_DEFAULT_COMPRESSION;
export const DEFAULT_MEM_LEVEL = 8;
export const DEFAULT_CONCURRENCY_LIMIT = 10;
export const MIN_WINDOW_BITS = 8;
export const MAX_WINDOW_BITS = 15;

const isWindowBits = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= MIN_WINDOW_BITS && v <= MAX_WINDOW_BITS;

function checkInteger(name: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`permessage-deflate: ${name} must be an integer in ${min}..${max}, got ${v}`);
  return v;
}

/** Fills in defaults; throws RangeError on a value no peer could agree to (a programming error). */
export function resolveOptions(role: 'server' | 'client', o: PerMessageDeflateOptions): ResolvedOptions {
  if (o.serverMaxWindowBits !== undefined && !isWindowBits(o.serverMaxWindowBits)) {
    throw new RangeError(`permessage-deflate: serverMaxWindowBits must be an integer in 8..15, got ${o.serverMaxWindowBits}`);
  }
  if (typeof o.clientMaxWindowBits !== 'boolean' && o.clientMaxWindowBits !== undefined && !isWindowBits(o.clientMaxWindowBits)) {
    throw new RangeError(`permessage-deflate: clientMaxWindowBits must be a boolean or an integer in 8..15, got ${o.clientMaxWindowBits}`);
  }
  return {
    serverNoContextTakeover: o.serverNoContextTakeover ?? false,
    clientNoContextTakeover: o.clientNoContextTakeover ?? false,
    serverMaxWindowBits: o.serverMaxWindowBits,
    clientMaxWindowBits: o.clientMaxWindowBits === false ? undefined : (o.clientMaxWindowBits ?? (role === 'client' ? true : undefined)),
    threshold: checkInteger('threshold', o.threshold ?? DEFAULT_THRESHOLD, 0, Number.MAX_SAFE_INTEGER),
    level: checkInteger('level', o.level ?? DEFAULT_LEVEL, -1, 9),
    memLevel: checkInteger('memLevel', o.memLevel ?? DEFAULT_MEM_LEVEL, 1, 9),
    concurrencyLimit: checkInteger('concurrencyLimit', o.concurrencyLimit ?? DEFAULT_CONCURRENCY_LIMIT, 1, 1 << 20),
  };
}

/**
 * zlib refuses an 8-bit window for raw deflate, so 8 compresses with 9. That output is still
 * valid for a 256-byte window: zlib never matches further back than the window size minus
 * MIN_LOOKAHEAD (262), i.e. 250 bytes with a 512-byte window.
 */
export const deflateWindowBits = (bits: number): number => Math.max(bits, 9);
