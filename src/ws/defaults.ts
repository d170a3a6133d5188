// The defaults of volley/ws, each written once: the server, the client and the layers above
// (server/, cli/) read them from here.
import { DEFAULT_MAX_FRAGMENTS } from '../protocol/receiver.js';

/** Largest message accepted by default, in bytes (after decompression). */
export const DEFAULT_MAX_PAYLOAD = 64 * 1024 * 1024;
/** Most frames one message may arrive in (more closes with 1009). */
export { DEFAULT_MAX_FRAGMENTS };
/** Milliseconds to wait for the peer's part of the closing handshake. */
export const DEFAULT_CLOSE_TIMEOUT = 30_000;
/** Milliseconds for an opening handshake: the client's whole handshake, the server's request headers and verifyUpgrade. */
export const DEFAULT_HANDSHAKE_TIMEOUT = 10_000;
/** Outgoing bytes above which a server's connection stops reading from its peer until they drain (clients: 0, off). */
export const DEFAULT_HIGH_WATER_MARK = 1024 * 1024;
/** Outgoing bytes above which a connection is failed (1008): the peer does not read. Room for two largest messages. */
export const DEFAULT_MAX_BUFFERED_AMOUNT = 2 * DEFAULT_MAX_PAYLOAD;
/** Milliseconds a connection may stay paused for backpressure (its peer not reading) before it is failed (1008). */
export const DEFAULT_DRAIN_TIMEOUT = 30_000;
