import type { Connection } from '../connection.js';
import { optionalBoolean, publicationData, requireString, type Params } from '../decode.js';
import { HubError } from '../errors.js';
import type { CommandContext } from './context.js';

/** publish: acknowledged once the broker has accepted (and, with history, stored) it. */
export async function handlePublish(context: CommandContext, connection: Connection, id: number, params: Params): Promise<void> {
  const target = context.resolveChannel(requireString(params, 'channel'));
  const data = publicationData(params, context.options.limits.maxPublicationSize);
  const excludeSelf = optionalBoolean(params, 'excludeSelf');
  if (!connection.takePublishToken()) throw new HubError('tooManyRequests', 'publish rate limit reached');
  const result = await context.publisher.publish({
    target,
    data,
    source: 'client',
    connection,
    excludeClient: excludeSelf ? connection.id : undefined,
  });
  connection.reply(id, result);
}
