import type { ClientConnection } from '../client.js';
import { optionalDirection, optionalLimit, optionalPosition, type Params } from '../decode.js';
import { subscribedChannel } from './channel-params.js';

/** history: only for subscribers of the channel; the rules live in Hub.history. */
export async function handleHistory(client: ClientConnection, id: number, params: Params): Promise<void> {
  const { name } = subscribedChannel(client, params);
  const result = await client.hub.history(name.channel, {
    limit: optionalLimit(params, 'limit'),
    since: optionalPosition(params, 'since'),
    direction: optionalDirection(params, 'direction'),
  });
  client.reply(id, result);
}
