// One connection to each target before any worker starts: an unreachable server is then
// reported at once, with its reason, instead of as N failed connections.

import { CLOSE_TIMEOUT_MS, closeAll, openConnection } from './connections.js';

/** Why `url` cannot be reached, or null when a WebSocket to it opens. */
export async function probe(url: string, handshakeTimeoutMs: number): Promise<string | null> {
  try {
    const ws = await openConnection(url, handshakeTimeoutMs, (ws) => ws.on('error', () => {}));
    await closeAll([ws], CLOSE_TIMEOUT_MS);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
