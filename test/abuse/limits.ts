// The bounds the abuse tests hold the server to, and the answers they expect from it, in
// one place (docs/security.md quotes them).

/** How much a single attack may grow the server's resident memory, in MiB. */
export const RSS_BOUND_MIB = 150;

/**
 * The close code for a message in too many fragments (docs/ws.md: `maxFragments`, 16,384 by
 * default): the receiver counts every frame of a message, empty ones included, and fails the
 * connection with 1009 like npm `ws`, instead of keeping fragments of a message that stays a
 * few bytes long.
 */
export const FRAGMENT_FLOOD_CLOSE_CODES: readonly number[] = [1009];

/** Slow consumer (docs/protocol.md, close codes). */
export const SLOW_CONSUMER_CLOSE = 3002;
