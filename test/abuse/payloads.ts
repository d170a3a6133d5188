// Hostile payloads shared by the WebSocket and HTTP API tests.

/** Nesting deep enough to overflow a recursive walk, small enough (20 KB) to pass every size limit. */
export const NESTING_DEPTH = 10_000;

/** JSON text of an array nested `depth` levels deep (written by hand: JSON.stringify would overflow on it too). */
export function nestedJson(depth = NESTING_DEPTH): string {
  return `${'['.repeat(depth)}"bottom"${']'.repeat(depth)}`;
}
