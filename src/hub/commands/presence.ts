import type { PresenceResult, PresenceStatsResult } from '../../wire/index.js';
import type { Connection } from '../connection.js';
import { requireString, type Params } from '../decode.js';
import type { CommandContext } from './context.js';

/** presence and presence_stats: only for subscribers; the rules live in ChannelReads. */
export async function handlePresence(context: CommandContext, connection: Connection, id: number, params: Params): Promise<void> {
  const target = context.resolveChannel(requireString(params, 'channel'));
  const result: PresenceResult = { clients: await context.reads.presence(target, connection) };
  connection.reply(id, result);
}

export async function handlePresenceStats(context: CommandContext, connection: Connection, id: number, params: Params): Promise<void> {
  const target = context.resolveChannel(requireString(params, 'channel'));
  const result: PresenceStatsResult = await context.reads.presenceStats(target, connection);
  connection.reply(id, result);
}
