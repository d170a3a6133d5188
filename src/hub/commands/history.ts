import type { Connection } from '../connection.js';
import { optionalDirection, optionalLimit, optionalPosition, requireString, type Params } from '../decode.js';
import type { CommandContext } from './context.js';

/** history: only for subscribers of the channel; the rules live in ChannelReads. */
export async function handleHistory(context: CommandContext, connection: Connection, id: number, params: Params): Promise<void> {
  const target = context.resolveChannel(requireString(params, 'channel'));
  const query = {
    limit: optionalLimit(params, 'limit'),
    since: optionalPosition(params, 'since'),
    direction: optionalDirection(params, 'direction'),
  };
  connection.reply(id, await context.reads.history(target, query, connection));
}
