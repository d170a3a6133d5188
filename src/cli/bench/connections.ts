// Opening and closing the bench's client connections.

import { WebSocket, type ClientOptions } from '../../ws/index.js';

/** After our close frame, how long the server has to finish the closing handshake. */
export const CLOSE_TIMEOUT_MS = 2000;
/** Handshakes one worker runs at once while it opens its connections (a listen backlog is finite). */
export const OPEN_CONCURRENCY = 64;

function clientOptions(handshakeTimeoutMs: number): ClientOptions {
  // No compression: the bench measures the server and the network, not zlib.
  return { perMessageDeflate: false, handshakeTimeout: handshakeTimeoutMs, closeTimeout: CLOSE_TIMEOUT_MS, maxPayload: 0 };
}

/**
 * Opens a client connection; rejects with the reason it could not open. `attach` runs
 * synchronously on 'open', so listeners are in place before the first byte is read.
 */
export function openConnection(url: string, handshakeTimeoutMs: number, attach: (ws: WebSocket) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    let ws: WebSocket;
    try {
      ws = new WebSocket(url, [], clientOptions(handshakeTimeoutMs));
    } catch (err) {
      reject(err);
      return;
    }
    const failed = (err: Error) => reject(err);
    ws.once('error', failed);
    ws.once('open', () => {
      ws.off('error', failed);
      attach(ws);
      resolve(ws);
    });
  });
}

/** Runs `task(i)` for i in [0, count), at most `limit` at a time. */
export async function forEachLimited(count: number, limit: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, lane));
}

/** Closes every connection with 1000 and waits for the handshakes; stragglers are cut after `timeoutMs`. */
export async function closeAll(sockets: Iterable<WebSocket>, timeoutMs: number): Promise<void> {
  const list = [...sockets];
  const closed = list
    .filter((ws) => ws.readyState !== WebSocket.CLOSED)
    .map((ws) => {
      const done = new Promise<void>((resolve) => ws.once('close', () => resolve()));
      ws.close(1000);
      return done;
    });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
  await Promise.race([Promise.all(closed), timeout]);
  clearTimeout(timer);
  for (const ws of list) ws.terminate();
}
