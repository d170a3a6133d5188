// A connection's membership of a channel as the broker sees it: the node's broker
// subscription (through LocalChannels), the starting position in the stream, presence
// and join/leave. Subscribing reads the stream but never creates it (see Broker.history).

import type { Broker } from '../broker/broker.js';
import type { StreamPosition, SubscribeResult } from '../wire/index.js';
import type { ChannelSubscription, Connection } from './connection.js';
import { toWirePublication } from './encode.js';
import type { LocalChannels } from './local-channels.js';
import { retentionOf } from './namespaces.js';
import type { ObserverSlot } from './observer.js';
import { isRecoverable } from './recovery.js';

export interface MembershipHost {
  readonly broker: Broker;
  readonly localChannels: LocalChannels;
  readonly presenceTtlMs: number;
  /** Runs a broker call whose result nobody waits for; failures are reported. */
  background(operation: Promise<unknown>): void;
  /** Told whether each recovery succeeded. */
  readonly observer: ObserverSlot;
}

export class Memberships {
  constructor(private readonly host: MembershipHost) {}

  /**
   * Joins the node to the channel and reads the starting position. Returns undefined
   * when the subscription was cancelled meanwhile (whatever it set up is undone).
   */
  async join(connection: Connection, subscription: ChannelSubscription, since: StreamPosition | undefined): Promise<SubscribeResult | undefined> {
    const { broker, localChannels, presenceTtlMs } = this.host;
    const { channel, namespace } = subscription;
    try {
      await localChannels.add(channel, subscription);
      if (!connection.holds(subscription)) return this.abandon(connection, subscription);
      const result = await this.readPosition(connection, subscription, since);
      if (namespace.presence) await broker.addPresence(channel, subscription.info, presenceTtlMs);
      if (!connection.holds(subscription)) return this.abandon(connection, subscription);
      return result;
    } catch (error) {
      // Whoever removed the subscription first (leave) has also unregistered it; a no-op then.
      connection.removeSubscription(subscription);
      localChannels.remove(channel, subscription);
      throw error;
    }
  }

  /** The subscribe reply is out: announce the join. */
  announce(connection: Connection, subscription: ChannelSubscription): void {
    if (subscription.namespace.joinLeave && !connection.isClosed) {
      this.host.background(this.host.broker.publishJoin(subscription.channel, subscription.info));
    }
  }

  /** Ends a subscription; an established one also leaves presence and announces the leave. */
  leave(connection: Connection, subscription: ChannelSubscription): void {
    if (!connection.removeSubscription(subscription)) return;
    const { broker, localChannels } = this.host;
    localChannels.remove(subscription.channel, subscription);
    if (subscription.state !== 'active') return;
    if (subscription.namespace.presence) this.host.background(broker.removePresence(subscription.channel, connection.id));
    if (subscription.namespace.joinLeave) this.host.background(broker.publishLeave(subscription.channel, subscription.info));
  }

  /** Refreshes the presence entries of established subscriptions (the shared sweep calls it). */
  refreshPresence(connections: Iterable<Connection>): void {
    const { broker, presenceTtlMs } = this.host;
    for (const connection of connections) {
      for (const subscription of connection.subscriptions.values()) {
        if (subscription.state === 'active' && subscription.namespace.presence) {
          this.host.background(broker.addPresence(subscription.channel, subscription.info, presenceTtlMs));
        }
      }
    }
  }

  private async readPosition(connection: Connection, subscription: ChannelSubscription, since: StreamPosition | undefined): Promise<SubscribeResult> {
    const retention = retentionOf(subscription.namespace);
    if (retention === undefined) return since === undefined ? { recoverable: false } : { recoverable: false, recovered: false };
    const broker = this.host.broker;
    if (since === undefined) {
      const position = await broker.history(subscription.channel, { limit: 0, retention });
      connection.setStartOffset(subscription, position.offset);
      return { recoverable: true, epoch: position.epoch, offset: position.offset };
    }
    const stream = await broker.history(subscription.channel, { since, retention });
    const recovered = isRecoverable(since, stream);
    this.host.observer.current.recovery(recovered);
    connection.setStartOffset(subscription, stream.offset);
    return {
      recoverable: true,
      epoch: stream.epoch,
      offset: stream.offset,
      recovered,
      publications: recovered ? stream.publications.map(toWirePublication) : [],
    };
  }

  /**
   * The subscription was cancelled (unsubscribe, disconnect) while it was being set up. Its
   * own registration goes; when a newer subscription to the channel has started since, that
   * one owns the presence entry (kept under the client id).
   */
  private abandon(connection: Connection, subscription: ChannelSubscription): undefined {
    this.host.localChannels.remove(subscription.channel, subscription);
    if (connection.subscriptions.has(subscription.channel)) return undefined;
    if (subscription.namespace.presence) this.host.background(this.host.broker.removePresence(subscription.channel, connection.id));
    return undefined;
  }
}
