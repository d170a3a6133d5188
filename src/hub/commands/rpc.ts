import type { ClientConnection } from '../client.js';
import { requireString, type Params } from '../decode.js';
import { HubError } from '../errors.js';
import type { RpcResult } from '../../wire/index.js';

export async function handleRpc(client: ClientConnection, id: number, params: Params): Promise<void> {
  const method = requireString(params, 'method');
  const handler = client.hub.rpcHandler(method);
  if (handler === undefined) throw new HubError('unknownRpcMethod', `no rpc method "${method}"`);
  const data = await handler({ client: client.id, user: client.user, connInfo: client.connInfo, data: params.data });
  if (client.isClosed) return;
  const result: RpcResult = { data: data ?? null };
  client.reply(id, result);
}
