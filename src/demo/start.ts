// Starts what the demo pages need on a running server: the market feed, the chat's name
// rpcs and the status endpoint.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { VolleyServer } from '../server/server.js';
import { registerChatNames, type ChatNamesOptions } from './chat-names.js';
import { MarketFeed, type MarketFeedOptions } from './market-feed.js';
import { createStatusEndpoint, type StatusEndpointOptions } from './status-endpoint.js';

export interface DemoOptions {
  market?: MarketFeedOptions;
  chat?: ChatNamesOptions;
  status?: StatusEndpointOptions;
  /**
   * Put the status endpoint on `server.httpServer` itself. Default true. Pass false when
   * your own request router calls the returned `handleRequest` (as `volley serve` does).
   */
  mountStatus?: boolean;
}

export interface Demo {
  /** The status endpoint: answers its path and returns true, or returns false. */
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean;
  /** Stops the feed, the sampling timer and the rpcs, and unmounts the endpoint. Idempotent. */
  stop(): void;
}

export function startDemo(server: VolleyServer, options: DemoOptions = {}): Demo {
  const hub = server.hub;
  const feed = new MarketFeed((channel, data) => server.publish(channel, data), options.market, (error) => hub.reportInternalError(error));
  const names = registerChatNames(hub, options.chat);
  const status = createStatusEndpoint(hub, options.status);
  const handleRequest = (req: IncomingMessage, res: ServerResponse) => status.handleRequest(req, res);

  // Ahead of VolleyServer's own listener: the endpoint answers synchronously, and the
  // server leaves a request alone once its response has been sent (its 404 fallback
  // checks headersSent).
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handleRequest(req, res);
  };
  const mounted = options.mountStatus ?? true;
  if (mounted) server.httpServer?.prependListener('request', listener);

  let stopped = false;
  return {
    handleRequest,
    stop() {
      if (stopped) return;
      stopped = true;
      feed.stop();
      names.stop();
      status.stop();
      if (mounted) server.httpServer?.off('request', listener);
    },
  };
}
