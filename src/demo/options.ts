// The hub options the demo pages need.

import type { HubOptions } from '../hub/options.js';
import type { NamespaceOptions } from '../hub/namespaces.js';
import { documentNamespaceOptions } from '../yjs/server/options.js';
import { CHAT_NAMESPACE, DOCS_NAMESPACE, MARKET_NAMESPACE } from './protocol.js';
import { GAME_NAMESPACE, GAME_NAMESPACE_OPTIONS } from './game/index.js';

/**
 * `chat:*`: presence with join/leave pushes, the last 100 messages kept 10 minutes,
 * subscribers publish, and each message says who sent it (publisherInfo: the page names
 * the sender by its client id).
 */
export const CHAT_NAMESPACE_OPTIONS: Readonly<NamespaceOptions> = {
  presence: true,
  joinLeave: true,
  historySize: 100,
  historyTtlMs: 600_000,
  publish: 'subscribers',
  publisherInfo: true,
};

/**
 * `market:*`: only the server publishes; the last 1,000 ticks (20 s of the default feed)
 * kept one minute, so the live page can draw its chart at once.
 */
export const MARKET_NAMESPACE_OPTIONS: Readonly<NamespaceOptions> = {
  historySize: 1_000,
  historyTtlMs: 60_000,
  publish: 'server',
};

/** `docs:*`: the Docs page's documents (volley/yjs): presence, join/leave, a short history. */
export const DOCS_NAMESPACE_OPTIONS: Readonly<NamespaceOptions> = documentNamespaceOptions();

/** Anonymous connections allowed, and the `chat`, `market`, `docs` and `game` namespaces. */
export function demoServerOptions(): HubOptions {
  return {
    allowAnonymous: true,
    namespaces: {
      [CHAT_NAMESPACE]: { ...CHAT_NAMESPACE_OPTIONS },
      [MARKET_NAMESPACE]: { ...MARKET_NAMESPACE_OPTIONS },
      [DOCS_NAMESPACE]: { ...DOCS_NAMESPACE_OPTIONS },
      [GAME_NAMESPACE]: { ...GAME_NAMESPACE_OPTIONS },
    },
  };
}
