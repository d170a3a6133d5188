// The few HTTP chores every part of the server does: the path of a request, small text and
// JSON answers, listening as a promise, and waiting for a shutdown at most so long.
// server/, demo/ and cli/ use these instead of writing their own.

import type http from 'node:http';
import type { AddressInfo } from 'node:net';

/** The request's path without its query string. */
export function pathOf(req: http.IncomingMessage): string {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}

/** A complete text/plain answer (no body for HEAD). Does nothing once headers were sent. */
export function sendText(res: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  send(res, status, 'text/plain; charset=utf-8', body, headers);
}

/** A complete JSON answer (no body for HEAD). Does nothing once headers were sent. */
export function sendJson(res: http.ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value), headers);
}

/** A complete text/html answer (no body for HEAD). Does nothing once headers were sent. */
export function sendHtml(res: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  send(res, status, 'text/html; charset=utf-8', body, headers);
}

function send(res: http.ServerResponse, status: number, type: string, body: string, headers: Record<string, string>): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...headers });
  res.end(res.req?.method === 'HEAD' ? undefined : body);
}

/**
 * The listen backlog: connections the kernel holds before the server accepts them. Node's
 * default of 511 overflows when a thousand clients reconnect at once after a network cut, and
 * the kernel then makes the overflow retry its SYN after 1 s, 3 s, 7 s (the bench's recover
 * storm took 10 s for 1,000 clients). The kernel caps it at net.core.somaxconn (4096 on
 * current Linux).
 */
export const LISTEN_BACKLOG = 4096;

/** Starts listening; resolves with the bound address, rejects with the listen error (EADDRINUSE …). */
export function listen(server: http.Server, port: number, host?: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, LISTEN_BACKLOG, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** Waits for `promise`, or `ms` milliseconds, whichever comes first; never rejects. */
export async function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([promise.catch(() => {}), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
