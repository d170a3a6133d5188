import type { ClientConnection } from '../client.js';
import type { Params } from '../decode.js';
import { HubError } from '../errors.js';
import type { PresenceResult, PresenceStatsResult } from '../../wire/index.js';
import { subscribedChannel } from './channel-params.js';

function presenceChannel(client: ClientConnection, params: Params): string {
  const { name, namespace } = subscribedChannel(client, params);
  if (!namespace.presence) throw new HubError('notAvailable', 'presence is off in this namespace');
  return name.channel;
}

export async function handlePresence(client: ClientConnection, id: number, params: Params): Promise<void> {
  const channel = presenceChannel(client, params);
  const result: PresenceResult = { clients: await client.hub.broker.presence(channel) };
  client.reply(id, result);
}

export async function handlePresenceStats(client: ClientConnection, id: number, params: Params): Promise<void> {
  const channel = presenceChannel(client, params);
  const result: PresenceStatsResult = await client.hub.broker.presenceStats(channel);
  client.reply(id, result);
}
