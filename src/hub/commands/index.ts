// Routes a decoded command to its handler. Handlers reply themselves (subscribe must send
// pushes after its reply) and throw HubError for error replies.

import type { ClientConnection } from '../client.js';
import type { Params } from '../decode.js';
import { HubError } from '../errors.js';
import type { Method } from '../../wire/index.js';
import { handleConnect, handleRefresh } from './connect.js';
import { handleHistory } from './history.js';
import { handlePresence, handlePresenceStats } from './presence.js';
import { handlePublish } from './publish.js';
import { handleRpc } from './rpc.js';
import { handleSubscribe, handleUnsubscribe } from './subscribe.js';

type Handler = (client: ClientConnection, id: number, params: Params) => Promise<void>;

const AFTER_CONNECT: Record<Exclude<Method, 'connect' | 'ping'>, Handler> = {
  subscribe: handleSubscribe,
  unsubscribe: handleUnsubscribe,
  publish: handlePublish,
  presence: handlePresence,
  presence_stats: handlePresenceStats,
  history: handleHistory,
  rpc: handleRpc,
  refresh: handleRefresh,
};

export async function dispatchCommand(client: ClientConnection, id: number, method: Method, params: Params): Promise<void> {
  if (method === 'ping') return client.reply(id, {});
  if (method === 'connect') return handleConnect(client, id, params);
  // Commands sent right after connect wait for it instead of failing.
  if (client.state === 'connecting') await client.connecting;
  if (client.isClosed) return;
  if (client.state !== 'connected') throw new HubError('notConnected', 'send connect first');
  return AFTER_CONNECT[method](client, id, params);
}
