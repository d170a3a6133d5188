// The channels this node has local subscribers in. The node holds a broker subscription
// for a channel exactly while it has one local subscriber or more; broker subscribe and
// unsubscribe calls for one channel are chained so they take effect in order. Each event
// from the broker is encoded once into one OutboundMessage shared by every subscriber.

import type { Broker, BrokerEvent } from '../broker/broker.js';
import { encodeGapPush, encodePresencePush, encodePublicationPush } from './encode.js';
import type { ObserverSlot } from './observer.js';
import { OutboundMessage } from './session.js';

/** One connection's subscription to a channel, as the channel's fan-out sees it. */
export interface LocalSubscriber {
  /** The client id of the subscriber's connection (a publication may exclude it). */
  readonly clientId: string;
  /** The highest stream offset the client has been given (0 without history). */
  readonly offset: number;
  /** `offset` is the publication's stream offset, 0 for events without one. */
  deliver(message: OutboundMessage, offset: number): void;
}

interface Entry {
  subscribers: Set<LocalSubscriber>;
  ready: Promise<void>;
}

export class LocalChannels {
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Map<string, Promise<void>>();

  constructor(
    private readonly broker: Broker,
    private readonly observer: ObserverSlot,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The channels with local subscribers, in the order they got their first one. */
  names(): IterableIterator<string> {
    return this.entries.keys();
  }

  subscriberCount(channel: string): number {
    return this.entries.get(channel)?.subscribers.size ?? 0;
  }

  /** Adds a local subscriber; resolves once the broker delivers the channel to this node. */
  async add(channel: string, subscriber: LocalSubscriber): Promise<void> {
    let entry = this.entries.get(channel);
    if (entry === undefined) {
      const created: Entry = { subscribers: new Set(), ready: Promise.resolve() };
      created.ready = this.chain(channel, () => this.broker.subscribe(channel, (event) => this.dispatch(event)));
      created.ready.catch(() => {
        if (this.entries.get(channel) === created) this.entries.delete(channel);
      });
      this.entries.set(channel, created);
      entry = created;
    }
    entry.subscribers.add(subscriber);
    try {
      await entry.ready;
    } catch (error) {
      entry.subscribers.delete(subscriber);
      throw error;
    }
  }

  remove(channel: string, subscriber: LocalSubscriber): void {
    const entry = this.entries.get(channel);
    if (entry === undefined || !entry.subscribers.delete(subscriber)) return;
    if (entry.subscribers.size > 0) return;
    this.entries.delete(channel);
    this.chain(channel, () => this.broker.unsubscribe(channel)).catch(() => {});
  }

  private chain(channel: string, operation: () => Promise<void>): Promise<void> {
    const previous = this.pending.get(channel) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(operation);
    this.pending.set(channel, next);
    const forget = () => {
      if (this.pending.get(channel) === next) this.pending.delete(channel);
    };
    next.then(forget, forget);
    return next;
  }

  private dispatch(event: BrokerEvent): void {
    const entry = this.entries.get(event.channel);
    if (entry === undefined) return;
    let message: OutboundMessage;
    let offset = 0;
    let excluded: string | undefined;
    // Publications first: the rare events are not checked for on the fan-out path.
    if (event.type === 'publication') {
      message = new OutboundMessage(encodePublicationPush(event.channel, event.publication));
      offset = event.publication.offset;
      excluded = event.excludeClient;
    } else if (event.type === 'gap') {
      this.tellGap(entry, event.channel, event.next);
      return;
    } else {
      message = new OutboundMessage(encodePresencePush(event.type, event.channel, event.info));
    }
    // A Set tolerates deletion while iterating: a slow consumer closed mid-loop is skipped.
    // The set holds the subscriptions themselves: one call per delivery, no lookup.
    let recipients = 0;
    if (excluded === undefined) {
      for (const subscriber of entry.subscribers) {
        subscriber.deliver(message, offset);
        recipients++;
      }
    } else {
      for (const subscriber of entry.subscribers) {
        if (subscriber.clientId !== excluded) {
          subscriber.deliver(message, offset);
          recipients++;
        }
      }
    }
    // Counted once per broadcast, not per recipient.
    this.observer.current.sent(message.byteLength, recipients);
  }

  /**
   * Publications before `next` were lost on their way to this node: every subscriber that
   * may have missed one (its client has not been given `next - 1`) is told, and subscribes
   * again from its position (the SDK does so by itself).
   */
  private tellGap(entry: Entry, channel: string, next: number): void {
    const message = new OutboundMessage(encodeGapPush(channel));
    let recipients = 0;
    for (const subscriber of entry.subscribers) {
      if (subscriber.offset >= next - 1) continue;
      subscriber.deliver(message, 0);
      recipients++;
    }
    this.observer.current.sent(message.byteLength, recipients);
    this.observer.current.gap(channel, recipients);
  }
}
