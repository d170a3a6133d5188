// Starts what the demo pages need on a running server: the market feed, the chat's name
// rpcs, the status endpoint, the Docs page's document service and the Game page's matches.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { VolleyServer } from '../server/server.js';
import { registerChatNames, type ChatNamesOptions } from './chat-names.js';
import { MarketFeed, type MarketFeedOptions } from './market-feed.js';
import { createStatusEndpoint, type StatusEndpointOptions } from './status-endpoint.js';
import { DocumentService, type DocumentServiceOptions } from '../yjs/server/index.js';
import { DOCS_NAMESPACE } from './protocol.js';
import { GameService, type GameOptions } from './game/index.js';

export interface DemoOptions {
  market?: MarketFeedOptions;
  chat?: ChatNamesOptions;
  status?: StatusEndpointOptions;
  /** The Docs page's document service (namespace `docs`; saved in `.volley/docs` by default); `false`: none. */
  docs?: DocumentServiceOptions | false;
  /** The Game page's matches (namespace `game`); `false`: none. */
  game?: GameOptions | false;
  /**
   * Put the status endpoint on `server.httpServer` itself. Default true. Pass false when
   * your own request router calls the returned `handleRequest` (as `volley serve` does).
   */
  mountStatus?: boolean;
}

export interface Demo {
  /** The status endpoint: answers its path and returns true, or returns false. */
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean;
  /** The Docs page's documents; undefined with `docs: false`. */
  documents: DocumentService | undefined;
  /** The Game page's matches; undefined with `game: false`. */
  game: GameService | undefined;
  /** Stops the feed, the sampling timer and the rpcs, unmounts the endpoint, and saves the documents. Idempotent. */
  stop(): Promise<void>;
}

export function startDemo(server: VolleyServer, options: DemoOptions = {}): Demo {
  const hub = server.hub;
  const feed = new MarketFeed((channel, data) => server.publish(channel, data), options.market, (error) => hub.reportInternalError(error));
  const names = registerChatNames(hub, options.chat);
  const status = createStatusEndpoint(hub, options.status);
  const documents = options.docs === false ? undefined : new DocumentService(hub, { namespace: DOCS_NAMESPACE, ...options.docs });
  const game = options.game === false ? undefined : new GameService(hub, { nodeLink: server.nodeLink, ...options.game });
  const handleRequest = (req: IncomingMessage, res: ServerResponse) => status.handleRequest(req, res);

  // Ahead of VolleyServer's own listener: the endpoint answers synchronously, and the
  // server leaves a request alone once its response has been sent (its 404 fallback
  // checks headersSent).
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handleRequest(req, res);
  };
  const mounted = options.mountStatus ?? true;
  if (mounted) server.httpServer?.prependListener('request', listener);

  let stopped: Promise<void> | undefined;
  return {
    handleRequest,
    documents,
    game,
    stop() {
      stopped ??= (async () => {
        feed.stop();
        names.stop();
        status.stop();
        await game?.stop();
        if (mounted) server.httpServer?.off('request', listener);
        await documents?.close();
      })();
      return stopped;
    },
  };
}
