// Reconnect delays: exponential backoff with full jitter. The ceiling doubles with each
// failed attempt, from `minMs` up to `maxMs`, and the delay is uniform in [0, ceiling):
// clients that lost the server together spread their attempts over the whole window
// instead of arriving in waves.

export function backoffDelay(attempt: number, minMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
