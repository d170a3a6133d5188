// The default broker: one process, no network. Each MemoryBroker is one node; pass the
// same MemoryEngine to several to run a cluster in one process (the tests do).

import type {
  Broker,
  BrokerHandler,
  BrokerHistoryOptions,
  BrokerHistoryResult,
  BrokerPublication,
  BrokerPublishOptions,
  ClientInfo,
  ControlHandler,
  ControlMessage,
  PresenceStats,
  StreamPosition,
} from './broker.js';
import { MemoryEngine } from './memory-engine.js';

export interface MemoryBrokerOptions {
  /** Share an engine between nodes. Default: a new engine of its own. */
  engine?: MemoryEngine;
  /** Clock of a new engine (ignored when `engine` is given). Default: Date.now. */
  now?: () => number;
  /** How often expired streams and presence entries are dropped; 0 disables. Default 60000. */
  pruneIntervalMs?: number;
}

export class MemoryBroker implements Broker {
  readonly engine: MemoryEngine;
  private readonly node = {};
  private readonly pruneTimer: ReturnType<typeof setInterval> | undefined;
  private closed = false;

  constructor(options: MemoryBrokerOptions = {}) {
    this.engine = options.engine ?? new MemoryEngine(options.now === undefined ? {} : { now: options.now });
    const interval = options.pruneIntervalMs ?? 60_000;
    if (interval > 0) {
      this.pruneTimer = setInterval(() => this.engine.prune(), interval);
      this.pruneTimer.unref();
    }
  }

  async subscribe(channel: string, handler: BrokerHandler): Promise<void> {
    this.assertOpen();
    this.engine.subscribe(this.node, channel, handler);
  }

  async unsubscribe(channel: string): Promise<void> {
    this.engine.unsubscribe(this.node, channel);
  }

  async publish(channel: string, data: string, options: BrokerPublishOptions = {}): Promise<StreamPosition> {
    this.assertOpen();
    const publication: Omit<BrokerPublication, 'offset'> = { data };
    if (options.info !== undefined) publication.info = options.info;
    if (options.binary === true) publication.binary = true;
    return this.engine.publish(channel, publication, options.history, options.excludeClient);
  }

  async publishJoin(channel: string, info: ClientInfo): Promise<void> {
    this.assertOpen();
    this.engine.deliver(channel, { type: 'join', channel, info });
  }

  async publishLeave(channel: string, info: ClientInfo): Promise<void> {
    this.assertOpen();
    this.engine.deliver(channel, { type: 'leave', channel, info });
  }

  async history(channel: string, options?: BrokerHistoryOptions): Promise<BrokerHistoryResult> {
    this.assertOpen();
    return this.engine.history(channel, options);
  }

  async removeHistory(channel: string): Promise<void> {
    this.engine.removeHistory(channel);
  }

  async addPresence(channel: string, info: ClientInfo, ttlMs: number): Promise<void> {
    this.assertOpen();
    this.engine.addPresence(channel, info, ttlMs);
  }

  async removePresence(channel: string, clientId: string): Promise<void> {
    this.engine.removePresence(channel, clientId);
  }

  async presence(channel: string): Promise<Record<string, ClientInfo>> {
    this.assertOpen();
    return this.engine.presence(channel);
  }

  async presenceStats(channel: string): Promise<PresenceStats> {
    this.assertOpen();
    return this.engine.presenceStats(channel);
  }

  async subscribeControl(handler: ControlHandler): Promise<void> {
    this.assertOpen();
    this.engine.subscribeControl(this.node, handler);
  }

  async publishControl(message: ControlMessage): Promise<void> {
    this.assertOpen();
    this.engine.publishControl(message);
  }

  /** In-process: reachable while open. */
  async ping(): Promise<void> {
    this.assertOpen();
  }

  /** Detaches this node: it receives nothing more. Presence it added expires by TTL. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.pruneTimer !== undefined) clearInterval(this.pruneTimer);
    this.engine.detach(this.node);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('broker is closed');
  }
}
