import { parseChannelName, type ChannelName } from '../channel-name.js';
import type { ClientConnection, ClientSubscription } from '../client.js';
import { requireString, type Params } from '../decode.js';
import { HubError } from '../errors.js';
import type { ResolvedNamespace } from '../namespaces.js';

export interface ChannelTarget {
  name: ChannelName;
  namespace: ResolvedNamespace;
}

/** Reads and validates `params.channel` and finds its namespace. */
export function channelTarget(client: ClientConnection, params: Params): ChannelTarget {
  const channel = requireString(params, 'channel');
  const name = parseChannelName(channel);
  if (name === undefined) throw new HubError('badRequest', 'invalid channel name');
  return { name, namespace: client.hub.namespaces.get(name.namespace) };
}

/** The client's subscription to `params.channel`, required by presence and history. */
export function subscribedChannel(client: ClientConnection, params: Params): ChannelTarget & { subscription: ClientSubscription } {
  const target = channelTarget(client, params);
  const subscription = client.subscriptions.get(target.name.channel);
  if (subscription === undefined) throw new HubError('notSubscribed', 'not subscribed to this channel');
  return { ...target, subscription };
}
