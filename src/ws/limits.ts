// The per-connection limits, the same options in both roles (WebSocketServer and client).
import {
  DEFAULT_CLOSE_TIMEOUT, DEFAULT_DRAIN_TIMEOUT, DEFAULT_HIGH_WATER_MARK, DEFAULT_MAX_BUFFERED_AMOUNT, DEFAULT_MAX_FRAGMENTS,
  DEFAULT_MAX_PAYLOAD,
} from './defaults.js';

export interface ConnectionLimitOptions {
  /** Largest message accepted, in bytes after decompression; default 64 MiB; 0 = no limit. Larger ones close with 1009. */
  maxPayload?: number;
  /** Most frames one message may arrive in; one more closes with 1009. Default 16384; 0 = no limit. */
  maxFragments?: number;
  /** Milliseconds to wait for the peer's part of the closing handshake before cutting TCP; default 30000. */
  closeTimeout?: number;
  /**
   * Outgoing bytes (bufferedAmount) above which the connection stops reading from its peer
   * until the socket has drained, so that a peer that does not read cannot make us queue
   * without end. Default 1 MiB on a server; 0 (never pause) on a client, where pausing could
   * deadlock an application that writes more than the mark before it reads.
   */
  highWaterMark?: number;
  /** Outgoing bytes above which the connection is failed with 1008 (the peer does not read); default 128 MiB; 0 = no limit. */
  maxBufferedAmount?: number;
  /** Milliseconds reading may stay paused for backpressure before the connection is failed with 1008; default 30000; 0 = no limit. */
  drainTimeout?: number;
}

export type ConnectionLimits = Required<ConnectionLimitOptions>;

/** The options with every default filled in, for a connection in `role`. */
export function resolveLimits(options: ConnectionLimitOptions, role: 'server' | 'client'): ConnectionLimits {
  return {
    maxPayload: options.maxPayload ?? DEFAULT_MAX_PAYLOAD,
    maxFragments: options.maxFragments ?? DEFAULT_MAX_FRAGMENTS,
    closeTimeout: options.closeTimeout ?? DEFAULT_CLOSE_TIMEOUT,
    highWaterMark: options.highWaterMark ?? (role === 'server' ? DEFAULT_HIGH_WATER_MARK : 0),
    maxBufferedAmount: options.maxBufferedAmount ?? DEFAULT_MAX_BUFFERED_AMOUNT,
    drainTimeout: options.drainTimeout ?? DEFAULT_DRAIN_TIMEOUT,
  };
}
