import type { ClientConnection } from '../client.js';
import { optionalBoolean, requirePresent, type Params } from '../decode.js';
import { HubError } from '../errors.js';
import { retentionOf } from '../namespaces.js';
import { authorizeAuthenticatedPublish } from '../permissions.js';
import type { PublishResult } from '../wire.js';
import { channelTarget } from './channel-params.js';

/** publish: acknowledged once the broker has accepted (and, with history, stored) it. */
export async function handlePublish(client: ClientConnection, id: number, params: Params): Promise<void> {
  const { name, namespace } = channelTarget(client, params);
  const data = requirePresent(params, 'data');
  const excludeSelf = optionalBoolean(params, 'excludeSelf');
  const hub = client.hub;
  if (!client.publishBucket.take()) throw new HubError('tooManyRequests', 'publish rate limit reached');
  switch (namespace.publish) {
    case 'server':
      throw new HubError('permissionDenied', 'only the server publishes into this channel');
    case 'subscribers':
      if (!client.subscriptions.has(name.channel)) throw new HubError('permissionDenied', 'subscribe before publishing');
      break;
    case 'authenticated':
      authorizeAuthenticatedPublish(client, name, namespace);
      break;
  }
  const encoded = JSON.stringify(data);
  if (Buffer.byteLength(encoded) > hub.options.limits.maxPublicationSize) {
    throw new HubError('messageTooLarge', 'publication data too large');
  }
  const info = client.clientInfo(client.subscriptions.get(name.channel)?.info.chanInfo);
  const intercepted = hub.interceptPublication({ channel: name.channel, data, info, source: 'client' });
  if (intercepted !== undefined) await intercepted;
  const retention = retentionOf(namespace);
  const position = await hub.broker.publish(name.channel, encoded, {
    ...(retention === undefined ? {} : { history: retention }),
    info,
    ...(excludeSelf ? { excludeClient: client.id } : {}),
  });
  hub.stats.publications += 1;
  const result: PublishResult = retention === undefined ? {} : { offset: position.offset, epoch: position.epoch };
  client.reply(id, result);
}
