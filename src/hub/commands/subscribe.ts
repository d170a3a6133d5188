import type { ClientConnection, ClientSubscription } from '../client.js';
import { optionalPosition, optionalString, requireString, type Params } from '../decode.js';
import { toWirePublication } from '../encode.js';
import { HubError } from '../errors.js';
import { retentionOf } from '../namespaces.js';
import { authorizeSubscribe } from '../permissions.js';
import { isRecoverable } from '../recovery.js';
import type { StreamPosition, SubscribeResult } from '../../wire/index.js';
import { channelTarget } from './channel-params.js';

/**
 * subscribe: the subscription is registered first (pending, buffering pushes), then the
 * node subscribes at the broker, then the stream is read. Pushes that arrived meanwhile
 * are sent after the reply, minus those the reply already contains: no gap, no duplicate.
 */
export async function handleSubscribe(client: ClientConnection, id: number, params: Params): Promise<void> {
  const { name, namespace } = channelTarget(client, params);
  const since = optionalPosition(params, 'since');
  const token = optionalString(params, 'token');
  const { channel } = name;
  if (client.subscriptions.has(channel)) throw new HubError('alreadySubscribed', 'already subscribed to this channel');
  if (client.subscriptions.size >= client.hub.options.limits.maxChannelsPerConnection) {
    throw new HubError('limitExceeded', 'too many channels on this connection');
  }
  const subscription: ClientSubscription = {
    channel,
    namespace,
    state: 'pending',
    buffer: [],
    offset: 0,
    info: client.clientInfo(),
  };
  client.subscriptions.set(channel, subscription);
  const hub = client.hub;
  let result: SubscribeResult;
  try {
    const chanInfo = await authorizeSubscribe(client, name, namespace, token);
    if (chanInfo !== undefined) subscription.info = client.clientInfo(chanInfo);
    if (!client.holds(subscription)) return;
    await hub.localChannels.add(channel, client);
    if (!client.holds(subscription)) return abandon(client, subscription);
    result = await readPosition(client, subscription, since);
    if (namespace.presence) await hub.broker.addPresence(channel, subscription.info, hub.options.presenceTtlMs);
    if (!client.holds(subscription)) return abandon(client, subscription);
  } catch (error) {
    if (client.subscriptions.get(channel) === subscription) {
      client.subscriptions.delete(channel);
      hub.localChannels.remove(channel, client);
    }
    throw error;
  }
  client.reply(id, result);
  client.activate(subscription);
  if (namespace.joinLeave && !client.isClosed) hub.background(hub.broker.publishJoin(channel, subscription.info));
}

async function readPosition(client: ClientConnection, subscription: ClientSubscription, since: StreamPosition | undefined): Promise<SubscribeResult> {
  const retention = retentionOf(subscription.namespace);
  if (retention === undefined) return since === undefined ? { recoverable: false } : { recoverable: false, recovered: false };
  const broker = client.hub.broker;
  if (since === undefined) {
    const position = await broker.history(subscription.channel, { limit: 0, retention });
    subscription.offset = position.offset;
    return { recoverable: true, epoch: position.epoch, offset: position.offset };
  }
  const stream = await broker.history(subscription.channel, { since, retention });
  const recovered = isRecoverable(since, stream);
  subscription.offset = stream.offset;
  return {
    recoverable: true,
    epoch: stream.epoch,
    offset: stream.offset,
    recovered,
    publications: recovered ? stream.publications.map(toWirePublication) : [],
  };
}

/**
 * The subscription was cancelled (unsubscribe, disconnect) while it was being set up.
 * When a newer subscription to the channel has started since, it owns the registration.
 */
function abandon(client: ClientConnection, subscription: ClientSubscription): void {
  const hub = client.hub;
  if (client.subscriptions.has(subscription.channel)) return;
  hub.localChannels.remove(subscription.channel, client);
  if (subscription.namespace.presence) hub.background(hub.broker.removePresence(subscription.channel, client.id));
}

/** unsubscribe: effective at once; pushes of the channel stop before the reply. */
export async function handleUnsubscribe(client: ClientConnection, id: number, params: Params): Promise<void> {
  const channel = requireString(params, 'channel');
  const subscription = client.subscriptions.get(channel);
  if (subscription === undefined) throw new HubError('notSubscribed', 'not subscribed to this channel');
  client.hub.dropSubscription(client, subscription);
  client.reply(id, {});
}
