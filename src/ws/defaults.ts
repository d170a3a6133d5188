/** Largest message accepted by default, in bytes (after decompression). */
export const DEFAULT_MAX_PAYLOAD = 64 * 1024 * 1024;
/** Milliseconds to wait for the peer's part of the closing handshake. */
export const DEFAULT_CLOSE_TIMEOUT = 30_000;
