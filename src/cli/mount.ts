// What `volley serve` puts on its one HTTP server: each Mount answers its own paths.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** One address a mount serves, for the start-up message and the status page. */
export interface Endpoint {
  kind: 'http' | 'ws';
  path: string;
  description: string;
}

export interface Mount {
  readonly endpoints: readonly Endpoint[];
  /** Answers the request and returns true if the path is this mount's; false passes it on. */
  handleRequest?(req: IncomingMessage, res: ServerResponse): boolean;
  /** Takes the upgrade and returns true if the path is this mount's; false passes it on. */
  handleUpgrade?(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Graceful shutdown: stop accepting, close connections (WebSockets with 1001). */
  close(): Promise<void>;
  /** Ends whatever close() is still waiting for, at once. */
  terminate(): void;
}

/** The request's path without its query string. */
export function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}

export function sendText(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
