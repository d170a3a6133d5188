// The one path for reading a channel's presence and history, for a client's command and
// for the server's API alike. A client reads only channels it is subscribed to.

import type { Broker } from '../broker/broker.js';
import type { ClientInfo, HistoryDirection, HistoryResult, PresenceStatsResult, StreamPosition } from '../wire/index.js';
import type { ChannelTarget } from './channel-target.js';
import type { Connection } from './connection.js';
import { toWirePublication } from './encode.js';
import { HubError } from './errors.js';
import { retentionOf } from './namespaces.js';
import { isPositionKept } from './recovery.js';

export interface HistoryQuery {
  limit?: number | undefined;
  since?: StreamPosition | undefined;
  direction?: HistoryDirection | undefined;
}

export class ChannelReads {
  constructor(private readonly broker: Broker) {}

  async presence(target: ChannelTarget, reader?: Connection): Promise<Record<string, ClientInfo>> {
    return this.broker.presence(this.presenceChannel(target, reader));
  }

  async presenceStats(target: ChannelTarget, reader?: Connection): Promise<PresenceStatsResult> {
    return this.broker.presenceStats(this.presenceChannel(target, reader));
  }

  /**
   * Reads a channel's history. With `since`, a position from another epoch or one older
   * than what is kept is refused with unrecoverable_position.
   */
  async history(target: ChannelTarget, query: HistoryQuery, reader?: Connection): Promise<HistoryResult> {
    const channel = this.readable(target, reader);
    const retention = retentionOf(target.namespace);
    if (retention === undefined) throw new HubError('notAvailable', 'history is off in this namespace');
    const direction = query.direction ?? 'forward';
    const limit = Math.min(query.limit ?? retention.size, retention.size);
    const since = query.since;
    const stream = await this.broker.history(channel, { limit, direction, ...(since === undefined ? {} : { since }) });
    if (since !== undefined && !isPositionKept(since, stream, direction === 'backward' || limit === 0)) {
      throw new HubError('unrecoverablePosition', 'position is older than the history or from another epoch');
    }
    return { publications: stream.publications.map(toWirePublication), offset: stream.offset, epoch: stream.epoch };
  }

  private presenceChannel(target: ChannelTarget, reader: Connection | undefined): string {
    const channel = this.readable(target, reader);
    if (!target.namespace.presence) throw new HubError('notAvailable', 'presence is off in this namespace');
    return channel;
  }

  private readable({ name }: ChannelTarget, reader: Connection | undefined): string {
    if (reader !== undefined && !reader.subscriptions.has(name.channel)) {
      throw new HubError('notSubscribed', 'not subscribed to this channel');
    }
    return name.channel;
  }
}
