// The shared state behind MemoryBroker: streams, presence and the subscribed nodes of
// every channel. Several MemoryBroker instances (nodes) may share one engine, which is
// how the tests run a small cluster in one process. Expiry is checked lazily on access
// and by prune(), against an injectable clock.

import { randomBytes } from 'node:crypto';
import type {
  BrokerEvent,
  BrokerHandler,
  BrokerHistoryOptions,
  BrokerHistoryResult,
  BrokerPublication,
  ClientInfo,
  ControlHandler,
  ControlMessage,
  HistoryRetention,
  PresenceStats,
  StreamPosition,
} from './broker.js';

interface Stream {
  epoch: string;
  offset: number;
  publications: BrokerPublication[];
  publicationsExpireAt: number;
  metaExpiresAt: number;
}

interface PresenceEntry {
  info: ClientInfo;
  expiresAt: number;
}

export interface MemoryEngineOptions {
  /** Milliseconds since the epoch; tests inject a fake clock. Default: Date.now. */
  now?: () => number;
}

export class MemoryEngine {
  private readonly now: () => number;
  private readonly streams = new Map<string, Stream>();
  private readonly presenceByChannel = new Map<string, Map<string, PresenceEntry>>();
  /** channel → node → handler */
  private readonly subscribers = new Map<string, Map<object, BrokerHandler>>();
  private readonly controlHandlers = new Map<object, ControlHandler>();

  constructor(options: MemoryEngineOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  /** How many channels hold state of each sort (for tests and diagnostics). */
  counts(): { streams: number; presenceChannels: number; subscribedChannels: number } {
    return { streams: this.streams.size, presenceChannels: this.presenceByChannel.size, subscribedChannels: this.subscribers.size };
  }

  subscribe(node: object, channel: string, handler: BrokerHandler): void {
    let nodes = this.subscribers.get(channel);
    if (nodes === undefined) {
      nodes = new Map();
      this.subscribers.set(channel, nodes);
    }
    nodes.set(node, handler);
  }

  unsubscribe(node: object, channel: string): void {
    const nodes = this.subscribers.get(channel);
    if (nodes === undefined) return;
    nodes.delete(node);
    if (nodes.size === 0) this.subscribers.delete(channel);
  }

  detach(node: object): void {
    for (const channel of [...this.subscribers.keys()]) this.unsubscribe(node, channel);
    this.controlHandlers.delete(node);
  }

  publish(channel: string, publication: Omit<BrokerPublication, 'offset'>, retention?: HistoryRetention, excludeClient?: string): StreamPosition {
    let stored: BrokerPublication = { ...publication, offset: 0 };
    let position: StreamPosition = { offset: 0, epoch: '' };
    if (retention !== undefined && retention.size > 0) {
      const stream = this.liveStream(channel) ?? this.newStream(channel);
      stream.offset += 1;
      stored = stream.offset === 1 ? { ...publication, offset: 1, epoch: stream.epoch } : { ...publication, offset: stream.offset };
      stream.publications.push(stored);
      if (stream.publications.length > retention.size) {
        stream.publications.splice(0, stream.publications.length - retention.size);
      }
      const now = this.now();
      stream.publicationsExpireAt = now + retention.ttlMs;
      stream.metaExpiresAt = Math.max(stream.metaExpiresAt, now + retention.metaTtlMs);
      position = { offset: stream.offset, epoch: stream.epoch };
    }
    const event: BrokerEvent = { type: 'publication', channel, publication: stored };
    if (excludeClient !== undefined) event.excludeClient = excludeClient;
    this.deliver(channel, event);
    return position;
  }

  deliver(channel: string, event: BrokerEvent): void {
    const nodes = this.subscribers.get(channel);
    if (nodes === undefined) return;
    for (const handler of [...nodes.values()]) handler(event);
  }

  history(channel: string, options: BrokerHistoryOptions = {}): BrokerHistoryResult {
    const stream = this.liveStream(channel);
    if (options.retention !== undefined && stream !== undefined) {
      stream.metaExpiresAt = Math.max(stream.metaExpiresAt, this.now() + options.retention.metaTtlMs);
    }
    if (stream === undefined) return { publications: [], offset: 0, epoch: '' };
    const result = { publications: [] as BrokerPublication[], offset: stream.offset, epoch: stream.epoch };
    const limit = options.limit ?? Infinity;
    if (limit <= 0) return result;
    const backward = options.direction === 'backward';
    const since = options.since?.offset;
    let selected = stream.publications;
    if (since !== undefined) {
      selected = selected.filter((p) => (backward ? p.offset < since : p.offset > since));
    }
    selected = backward ? [...selected].reverse() : [...selected];
    result.publications = selected.slice(0, limit);
    return result;
  }

  removeHistory(channel: string): void {
    this.streams.delete(channel);
  }

  addPresence(channel: string, info: ClientInfo, ttlMs: number): void {
    let entries = this.presenceByChannel.get(channel);
    if (entries === undefined) {
      entries = new Map();
      this.presenceByChannel.set(channel, entries);
    }
    entries.set(info.client, { info, expiresAt: this.now() + ttlMs });
  }

  removePresence(channel: string, clientId: string): void {
    const entries = this.presenceByChannel.get(channel);
    if (entries === undefined) return;
    entries.delete(clientId);
    if (entries.size === 0) this.presenceByChannel.delete(channel);
  }

  presence(channel: string): Record<string, ClientInfo> {
    const clients: Record<string, ClientInfo> = {};
    for (const [clientId, entry] of this.livePresence(channel)) clients[clientId] = entry.info;
    return clients;
  }

  presenceStats(channel: string): PresenceStats {
    const users = new Set<string>();
    let numClients = 0;
    for (const [, entry] of this.livePresence(channel)) {
      numClients += 1;
      users.add(entry.info.user);
    }
    return { numClients, numUsers: users.size };
  }

  subscribeControl(node: object, handler: ControlHandler): void {
    this.controlHandlers.set(node, handler);
  }

  publishControl(message: ControlMessage): void {
    for (const handler of [...this.controlHandlers.values()]) handler(message);
  }

  /** Drops every expired stream and presence entry. */
  prune(): void {
    for (const channel of [...this.streams.keys()]) this.liveStream(channel);
    for (const channel of [...this.presenceByChannel.keys()]) this.livePresence(channel);
  }

  private liveStream(channel: string): Stream | undefined {
    const stream = this.streams.get(channel);
    if (stream === undefined) return undefined;
    const now = this.now();
    if (stream.metaExpiresAt <= now) {
      this.streams.delete(channel);
      return undefined;
    }
    if (stream.publicationsExpireAt <= now) stream.publications = [];
    return stream;
  }

  private newStream(channel: string): Stream {
    const stream: Stream = {
      epoch: randomBytes(6).toString('hex'),
      offset: 0,
      publications: [],
      publicationsExpireAt: Infinity,
      metaExpiresAt: 0,
    };
    this.streams.set(channel, stream);
    return stream;
  }

  private livePresence(channel: string): Map<string, PresenceEntry> {
    const entries = this.presenceByChannel.get(channel);
    if (entries === undefined) return new Map();
    const now = this.now();
    for (const [clientId, entry] of entries) {
      if (entry.expiresAt <= now) entries.delete(clientId);
    }
    if (entries.size === 0) this.presenceByChannel.delete(channel);
    return entries;
  }
}
