// Cluster-wide figures for the HTTP API's `info` and the admin console. Every node samples
// its hub every `intervalMs` and publishes a small snapshot (node id, version, uptime,
// connections, messages/s and errors/s) on an internal broker channel; every node keeps the
// snapshots of the others until they are three intervals old. So `info` on any node shows
// every live node and the totals, whichever node a load balancer picked.

import type { Broker, BrokerEvent } from '../broker/broker.js';
import type { Hub, HubTraffic } from '../hub/index.js';

/**
 * The broker channel of the snapshots. A space is not allowed in a client's channel name,
 * so no client can subscribe to it or publish into it.
 */
export const NODE_STATS_CHANNEL = 'volley internal:nodes';

/** Peers remembered at most (a broker shared with something hostile cannot grow memory). */
const MAX_PEERS = 1_000;
/** A snapshot is dropped this many intervals after it was received. */
const STALE_AFTER_INTERVALS = 3;
/** Samples of the cluster totals kept for the console's charts (5 minutes at the default 2 s). */
const KEEP_SAMPLES = 150;

export interface NodeSnapshot {
  node: string;
  version: string;
  /** 'memory', 'redis', 'nats' (or a custom broker's class name). */
  broker: string;
  /** ms since the epoch, on that node's clock. */
  startedAt: number;
  /** When the snapshot was taken, on that node's clock. */
  at: number;
  uptimeSeconds: number;
  connections: number;
  /** Channels with subscribers on that node. */
  channels: number;
  messagesInPerSecond: number;
  messagesOutPerSecond: number;
  bytesInPerSecond: number;
  bytesOutPerSecond: number;
  /** Error replies to commands and internal errors, per second. */
  errorsPerSecond: number;
}

export interface ClusterTotals {
  nodes: number;
  connections: number;
  messagesInPerSecond: number;
  messagesOutPerSecond: number;
  bytesInPerSecond: number;
  bytesOutPerSecond: number;
  errorsPerSecond: number;
}

export interface ClusterSample extends ClusterTotals {
  at: number;
}

export interface NodeStatsOptions {
  nodeId: string;
  version: string;
  /** How often to sample and publish; 0 samples on demand only and publishes nothing. */
  intervalMs: number;
  now?: () => number;
}

/** The broker's kind from its class: MemoryBroker → 'memory'. */
export function brokerKind(broker: Broker): string {
  const name = (broker as object).constructor?.name ?? 'custom';
  return name.replace(/Broker$/, '').toLowerCase() || 'custom';
}

export class NodeStats {
  readonly nodeId: string;
  readonly startedAt: number;
  private readonly now: () => number;
  private readonly peers = new Map<string, { snapshot: NodeSnapshot; receivedAt: number }>();
  private readonly samples: ClusterSample[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private subscribed: Promise<void> | undefined;
  private last: { at: number; traffic: HubTraffic; errors: number };
  private latest: NodeSnapshot;

  constructor(
    private readonly hub: Hub,
    private readonly options: NodeStatsOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.nodeId = options.nodeId;
    this.startedAt = this.now();
    this.last = { at: this.startedAt, traffic: hub.traffic(), errors: hub.stats.internalErrors };
    this.latest = this.snapshot(this.startedAt, this.last.traffic, this.last.errors, 0);
  }

  /** Subscribes to the other nodes' snapshots and starts publishing this one's. */
  start(): void {
    if (this.options.intervalMs <= 0 || this.timer !== undefined) return;
    this.subscribe();
    this.timer = setInterval(() => this.tick(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Stops publishing, tells the others this node is gone, and unsubscribes. */
  async stop(): Promise<void> {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
    const broker = this.hub.broker;
    await broker.publish(NODE_STATS_CHANNEL, JSON.stringify({ node: this.nodeId, gone: true })).catch(() => {});
    if (this.subscribed !== undefined) await broker.unsubscribe(NODE_STATS_CHANNEL).catch(() => {});
  }

  /**
   * This node's figures: connections, channels and uptime as of now, rates over the last whole
   * interval (over the time since the last call when not started).
   */
  self(): NodeSnapshot {
    if (this.timer === undefined) {
      this.sample();
      return this.latest;
    }
    const at = this.now();
    return {
      ...this.latest,
      at,
      uptimeSeconds: Math.floor((at - this.startedAt) / 1_000),
      connections: this.hub.connectionCount,
      channels: this.hub.channelCount,
    };
  }

  /** Every live node's last snapshot, this one first, then by node id. */
  nodes(): NodeSnapshot[] {
    const now = this.now();
    const staleMs = Math.max(this.options.intervalMs, 1) * STALE_AFTER_INTERVALS;
    const others: NodeSnapshot[] = [];
    for (const [node, { snapshot, receivedAt }] of this.peers) {
      if (now - receivedAt > staleMs) this.peers.delete(node);
      else others.push(snapshot);
    }
    others.sort((a, b) => a.node.localeCompare(b.node));
    return [this.self(), ...others];
  }

  totals(nodes: readonly NodeSnapshot[] = this.nodes()): ClusterTotals {
    const totals: ClusterTotals = {
      nodes: nodes.length, connections: 0, messagesInPerSecond: 0, messagesOutPerSecond: 0, bytesInPerSecond: 0, bytesOutPerSecond: 0, errorsPerSecond: 0,
    };
    for (const n of nodes) {
      totals.connections += n.connections;
      totals.messagesInPerSecond += n.messagesInPerSecond;
      totals.messagesOutPerSecond += n.messagesOutPerSecond;
      totals.bytesInPerSecond += n.bytesInPerSecond;
      totals.bytesOutPerSecond += n.bytesOutPerSecond;
      totals.errorsPerSecond += n.errorsPerSecond;
    }
    return totals;
  }

  /** The cluster totals of the last ticks, oldest first (for charts that start full). */
  recent(): ClusterSample[] {
    return [...this.samples];
  }

  private tick(): void {
    this.subscribe();
    this.sample();
    const nodes = this.nodes();
    this.samples.push({ ...this.totals(nodes), at: this.latest.at });
    if (this.samples.length > KEEP_SAMPLES) this.samples.shift();
    this.hub.broker.publish(NODE_STATS_CHANNEL, JSON.stringify(this.latest)).catch(() => {
      // The broker is away: the others drop this node after three intervals; it comes back with the broker.
    });
  }

  private sample(): void {
    const at = this.now();
    const traffic = this.hub.traffic();
    const errors = this.hub.stats.internalErrors;
    const seconds = (at - this.last.at) / 1_000;
    if (seconds <= 0) return;
    this.latest = this.snapshot(at, traffic, errors, seconds);
    this.last = { at, traffic, errors };
  }

  private snapshot(at: number, traffic: HubTraffic, internalErrors: number, seconds: number): NodeSnapshot {
    const rate = (now: number, before: number) => (seconds > 0 ? round((now - before) / seconds) : 0);
    const last = this.last;
    return {
      node: this.nodeId,
      version: this.options.version,
      broker: brokerKind(this.hub.broker),
      startedAt: this.startedAt,
      at,
      uptimeSeconds: Math.floor((at - this.startedAt) / 1_000),
      connections: this.hub.connectionCount,
      channels: this.hub.channelCount,
      messagesInPerSecond: rate(traffic.messagesIn, last.traffic.messagesIn),
      messagesOutPerSecond: rate(traffic.messagesOut, last.traffic.messagesOut),
      bytesInPerSecond: rate(traffic.bytesIn, last.traffic.bytesIn),
      bytesOutPerSecond: rate(traffic.bytesOut, last.traffic.bytesOut),
      errorsPerSecond: rate(traffic.errors + internalErrors, last.traffic.errors + last.errors),
    };
  }

  /** (Re)subscribes until the broker has accepted; a failure is retried on the next tick. */
  private subscribe(): void {
    if (this.subscribed !== undefined) return;
    const attempt = this.hub.broker.subscribe(NODE_STATS_CHANNEL, (event) => this.receive(event));
    this.subscribed = attempt;
    attempt.catch(() => {
      if (this.subscribed === attempt) this.subscribed = undefined;
    });
  }

  private receive(event: BrokerEvent): void {
    if (event.type !== 'publication') return;
    const snapshot = parseSnapshot(event.publication.data);
    if (snapshot === undefined || snapshot.node === this.nodeId) return;
    if ('gone' in snapshot) {
      this.peers.delete(snapshot.node);
      return;
    }
    if (!this.peers.has(snapshot.node) && this.peers.size >= MAX_PEERS) return;
    this.peers.set(snapshot.node, { snapshot, receivedAt: this.now() });
  }
}

const NUMBER_FIELDS = [
  'startedAt', 'at', 'uptimeSeconds', 'connections', 'channels', 'messagesInPerSecond', 'messagesOutPerSecond',
  'bytesInPerSecond', 'bytesOutPerSecond', 'errorsPerSecond',
] as const;

/** A well-formed snapshot (only its known fields), a goodbye, or undefined. */
function parseSnapshot(text: string): NodeSnapshot | { node: string; gone: true } | undefined {
  if (text.length > 4_096) return undefined;
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || !shortString(value.node)) return undefined;
  if (value.gone === true) return { node: value.node, gone: true };
  if (!shortString(value.version) || !shortString(value.broker)) return undefined;
  const snapshot: Record<string, unknown> = { node: value.node, version: value.version, broker: value.broker };
  for (const field of NUMBER_FIELDS) {
    const n = value[field];
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) return undefined;
    snapshot[field] = n;
  }
  return snapshot as unknown as NodeSnapshot;
}

function shortString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= 200;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
