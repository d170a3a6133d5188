// Routes a decoded command to its handler. Handlers reply themselves (subscribe must send
// pushes after its reply) and throw HubError for error replies.

import type { Method } from '../../wire/index.js';
import type { Connection } from '../connection.js';
import type { Params } from '../decode.js';
import { HubError } from '../errors.js';
import { handleConnect, handleRefresh } from './connect.js';
import type { CommandContext } from './context.js';
import { handleHistory } from './history.js';
import { handlePresence, handlePresenceStats } from './presence.js';
import { handlePublish } from './publish.js';
import { handleRpc } from './rpc.js';
import { handleSubscribe, handleUnsubscribe } from './subscribe.js';

export type { CommandContext, RpcCall, RpcHandler } from './context.js';

export type CommandHandler = (context: CommandContext, connection: Connection, id: number, params: Params) => Promise<void>;

const AFTER_CONNECT: Record<Exclude<Method, 'connect' | 'ping'>, CommandHandler> = {
  subscribe: handleSubscribe,
  unsubscribe: handleUnsubscribe,
  publish: handlePublish,
  presence: handlePresence,
  presence_stats: handlePresenceStats,
  history: handleHistory,
  rpc: handleRpc,
  refresh: handleRefresh,
};

export async function dispatchCommand(context: CommandContext, connection: Connection, id: number, method: Method, params: Params): Promise<void> {
  if (method === 'ping') return connection.reply(id, {});
  if (method === 'connect') return handleConnect(context, connection, id, params);
  // Commands sent right after connect wait for it instead of failing.
  if (connection.state === 'connecting') await connection.connectSettled();
  if (connection.isClosed) return;
  if (connection.state !== 'connected') throw new HubError('notConnected', 'send connect first');
  return AFTER_CONNECT[method](context, connection, id, params);
}
