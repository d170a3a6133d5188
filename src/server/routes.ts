// Extra routes a VolleyServer asks before its own paths (how `volley serve` adds /echo and
// its pages): the same contract as VolleyServer's own handleRequest / handleUpgrade.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

export interface ServerRoute {
  /** Answers the request and returns true if the path is this route's; false passes it on. */
  handleRequest?(req: IncomingMessage, res: ServerResponse): boolean;
  /** Takes the upgrade and returns true if the path is this route's; false passes it on. */
  handleUpgrade?(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Graceful shutdown: stop accepting, close connections (WebSockets with 1001). */
  close?(): Promise<void>;
  /** Cuts whatever close() is still waiting for, at once. */
  terminate?(): void;
}
