import type { RpcResult } from '../../wire/index.js';
import type { Connection } from '../connection.js';
import { requireString, type Params } from '../decode.js';
import { HubError } from '../errors.js';
import type { CommandContext } from './context.js';

export async function handleRpc(context: CommandContext, connection: Connection, id: number, params: Params): Promise<void> {
  const method = requireString(params, 'method');
  const handler = context.rpcHandler(method);
  if (handler === undefined) throw new HubError('unknownRpcMethod', `no rpc method "${method}"`);
  const data = await handler({ client: connection.id, user: connection.user, connInfo: connection.connInfo, data: params.data });
  if (connection.isClosed) return;
  const result: RpcResult = { data: data ?? null };
  connection.reply(id, result);
}
