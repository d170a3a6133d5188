import { parseChannelName } from '../channel-name.js';
import type { Connection } from '../connection.js';
import { optionalPosition, optionalString, requireString, type Params } from '../decode.js';
import { HubError } from '../errors.js';
import { authorizeSubscribe } from '../permissions.js';
import type { CommandContext } from './context.js';

/**
 * subscribe: the subscription is registered first (pending, buffering pushes), then the
 * node subscribes at the broker, then the stream is read. Pushes that arrived meanwhile
 * are sent after the reply, minus those the reply already contains: no gap, no duplicate.
 * An unsubscribe that overtakes the setup still leaves the subscribe with its one reply.
 */
export async function handleSubscribe(context: CommandContext, connection: Connection, id: number, params: Params): Promise<void> {
  const { name, namespace } = context.resolveChannel(requireString(params, 'channel'));
  const since = optionalPosition(params, 'since');
  const token = optionalString(params, 'token');
  const { channel } = name;
  if (connection.subscriptions.has(channel)) throw new HubError('alreadySubscribed', 'already subscribed to this channel');
  if (connection.subscriptions.size >= context.options.limits.maxChannelsPerConnection) {
    throw new HubError('limitExceeded', 'too many channels on this connection');
  }
  const subscription = connection.addSubscription(channel, namespace);
  try {
    const chanInfo = await authorizeSubscribe(connection, name, namespace, token, context.tokens.subscription);
    if (chanInfo !== undefined) connection.setChannelInfo(subscription, chanInfo);
  } catch (error) {
    connection.removeSubscription(subscription);
    throw error;
  }
  if (!connection.holds(subscription)) throw cancelled();
  const result = await context.memberships.join(connection, subscription, since);
  if (result === undefined) throw cancelled();
  connection.reply(id, result);
  connection.activate(subscription);
  context.memberships.announce(connection, subscription);
}

/** The reply of a subscribe that an unsubscribe (or a newer subscribe) overtook. */
function cancelled(): HubError {
  return new HubError('notSubscribed', 'unsubscribed before the subscribe completed');
}

/** unsubscribe: effective at once; pushes of the channel stop before the reply. */
export async function handleUnsubscribe(context: CommandContext, connection: Connection, id: number, params: Params): Promise<void> {
  const channel = requireString(params, 'channel');
  if (parseChannelName(channel) === undefined) throw new HubError('badRequest', 'invalid channel name');
  const subscription = connection.subscriptions.get(channel);
  if (subscription === undefined) throw new HubError('notSubscribed', 'not subscribed to this channel');
  context.memberships.leave(connection, subscription);
  connection.reply(id, {});
}
