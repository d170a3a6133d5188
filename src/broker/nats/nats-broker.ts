// A Broker over NATS (the `nats` client, loaded only when this broker is created).
// Fan-out is core NATS, one subject per channel, subscribed only while this node has
// local subscribers. History is a JetStream stream (nats-history.ts), presence a
// JetStream KV bucket (nats-presence.ts); both are created on connect when missing.
//
// The client reconnects by itself and subscribes again; after a reconnect every channel
// fills what it missed from history (ChannelFeed). While the connection is down, calls
// fail at once with BrokerUnavailableError rather than sit in the client's buffer.

import type { ConnectionOptions, JetStreamManager, KV, NatsConnection, StreamConfig, Subscription } from 'nats';
import type {
  Broker,
  BrokerEvent,
  BrokerHandler,
  BrokerHistoryOptions,
  BrokerHistoryResult,
  BrokerPublishOptions,
  ClientInfo,
  ControlHandler,
  ControlMessage,
  PresenceStats,
  StreamPosition,
} from '../broker.js';
import { ChannelFeed } from '../cluster/channel-feed.js';
import { BrokerUnavailableError, redactUrl } from '../cluster/errors.js';
import { decodeControl, decodeEvent, encodeControl, encodePresenceEvent, encodePublication } from '../cluster/event-codec.js';
import { NatsHistory } from './nats-history.js';
import { natsNames, type NatsNames } from './nats-names.js';
import { NatsPresence } from './nats-presence.js';

export interface NatsBrokerOptions {
  /** Default 'nats://127.0.0.1:4222'; several servers may be given comma-separated. */
  url?: string;
  /** Prefix of subjects, the history stream and the KV buckets ([A-Za-z0-9_-]). Default 'volley'. */
  prefix?: string;
  /** Clock for history and presence expiry, in ms since the epoch. Default Date.now. */
  now?: () => number;
  /** How long connect() waits for NATS before failing. Default 5000. */
  connectTimeoutMs?: number;
  /** Pause between reconnect attempts (with jitter); attempts never stop. Default 250. */
  reconnectWaitMs?: number;
  /** Timeout of JetStream requests. Default 5000. */
  requestTimeoutMs?: number;
  /** Physical bound on history: JetStream drops messages older than this. Default 30 days. */
  historyMaxAgeMs?: number;
  /** Physical bound on presence entries (the bucket's max age); use more than presenceTtlMs. Default 1 hour. */
  presenceMaxAgeMs?: number;
  /** JetStream storage of the stream and buckets. Default 'file'. */
  storage?: 'file' | 'memory';
  /** Replicas of the stream and buckets on a JetStream cluster. Default 1. */
  replicas?: number;
  /** Connection errors and failed background purges; the broker recovers by itself. Default: ignored. */
  onError?: (error: Error) => void;
  /** Further nats.js connection options, applied last. */
  nats?: Partial<ConnectionOptions>;
}

const FEED_OPTIONS = { reorderWindowMs: 50, fillAttempts: 20, fillRetryMs: 250 };
const DAY_MS = 86_400_000;

export class NatsBroker implements Broker {
  readonly url: string;
  private readonly names: NatsNames;
  private readonly encoder = new TextEncoder();
  private readonly feeds = new Map<string, { feed: ChannelFeed; subscription: Subscription }>();
  private control: Subscription | undefined;
  private connected = true;
  private closed = false;
  private restoring: Promise<boolean> | undefined;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly history_: NatsHistory,
    private readonly presence_: NatsPresence,
    names: NatsNames,
    url: string,
    private readonly onError: (error: Error) => void,
    private readonly setUpJetStream: () => Promise<unknown>,
  ) {
    this.url = url;
    this.names = names;
    void this.watchStatus();
  }

  /** Connects and sets up the stream and buckets; rejects (naming the URL) when NATS cannot be reached. */
  static async connect(options: NatsBrokerOptions = {}): Promise<NatsBroker> {
    const url = options.url ?? 'nats://127.0.0.1:4222';
    const names = natsNames(options.prefix ?? 'volley');
    const now = options.now ?? Date.now;
    const onError = options.onError ?? (() => {});
    const nats = await import('nats');
    let nc: NatsConnection;
    try {
      nc = await nats.connect({
        servers: url.split(',').map((server) => server.trim()),
        timeout: options.connectTimeoutMs ?? 5_000,
        reconnect: true,
        maxReconnectAttempts: -1,
        reconnectTimeWait: options.reconnectWaitMs ?? 250,
        waitOnFirstConnect: false,
        name: `volley-${names.historyStream}`,
        ...options.nats,
      });
    } catch (error) {
      throw new Error(`cannot reach NATS at ${redactUrl(url)}: ${(error as Error).message}`, { cause: error });
    }
    try {
      const setUp = () => setUpJetStream(nats, nc, names, options);
      const { jsm, js, meta, presenceBucket } = await setUp();
      const history = new NatsHistory({
        js,
        jsm,
        meta,
        names,
        now,
        headers: () => nats.headers(),
        onError,
        requestTimeoutMs: options.requestTimeoutMs ?? 5_000,
      });
      return new NatsBroker(nc, history, new NatsPresence(presenceBucket, names, now), names, redactUrl(url), onError, setUp);
    } catch (error) {
      await nc.close().catch(() => {});
      throw new Error(`NATS at ${redactUrl(url)} has no usable JetStream (start nats-server with -js): ${(error as Error).message}`, { cause: error });
    }
  }

  async subscribe(channel: string, handler: BrokerHandler): Promise<void> {
    this.assertReady();
    this.feeds.get(channel)?.feed.close();
    this.feeds.get(channel)?.subscription.unsubscribe();
    const feed = new ChannelFeed(channel, handler, (since) => this.readSince(channel, since), FEED_OPTIONS);
    const subscription = this.nc.subscribe(this.names.fanout(channel), {
      callback: (error, message) => {
        if (error !== null) return;
        const received = decodeEvent(channel, message.string());
        if (received !== undefined) feed.push(received);
      },
    });
    this.feeds.set(channel, { feed, subscription });
    // The server has the subscription once it answers a ping sent after it.
    await this.request(() => this.nc.flush());
  }

  async unsubscribe(channel: string): Promise<void> {
    const entry = this.feeds.get(channel);
    if (entry === undefined) return;
    this.feeds.delete(channel);
    entry.feed.close();
    if (!this.nc.isClosed()) entry.subscription.unsubscribe();
  }

  async publish(channel: string, data: string, options: BrokerPublishOptions = {}): Promise<StreamPosition> {
    this.assertReady();
    const retention = options.history;
    let position: StreamPosition = { offset: 0, epoch: '' };
    if (retention !== undefined && retention.size > 0) {
      position = await this.request(() => this.history_.append(channel, data, retention, options));
    }
    // Once stored, the publication counts even if the connection drops right now: the
    // client buffers the fan-out, and subscribers' feeds would fill it from history.
    this.nc.publish(this.names.fanout(channel), this.encoder.encode(encodePublication(data, position.offset, position.epoch, options.info, options.excludeClient, options.binary)));
    return position;
  }

  async publishJoin(channel: string, info: ClientInfo): Promise<void> {
    this.assertReady();
    this.nc.publish(this.names.fanout(channel), this.encoder.encode(encodePresenceEvent('join', info)));
  }

  async publishLeave(channel: string, info: ClientInfo): Promise<void> {
    this.assertReady();
    this.nc.publish(this.names.fanout(channel), this.encoder.encode(encodePresenceEvent('leave', info)));
  }

  async history(channel: string, options: BrokerHistoryOptions = {}): Promise<BrokerHistoryResult> {
    this.assertReady();
    const { epoch, offset, entries } = await this.request(() => this.history_.read(channel, options));
    if (options.retention !== undefined) this.feeds.get(channel)?.feed.seed({ offset, epoch });
    return { publications: entries.map((entry) => entry.publication), offset, epoch };
  }

  async removeHistory(channel: string): Promise<void> {
    this.assertReady();
    await this.request(() => this.history_.remove(channel));
  }

  async addPresence(channel: string, info: ClientInfo, ttlMs: number): Promise<void> {
    this.assertReady();
    await this.request(() => this.presence_.add(channel, info, ttlMs));
  }

  async removePresence(channel: string, clientId: string): Promise<void> {
    this.assertReady();
    await this.request(() => this.presence_.remove(channel, clientId));
  }

  async presence(channel: string): Promise<Record<string, ClientInfo>> {
    this.assertReady();
    return this.request(() => this.presence_.list(channel));
  }

  async presenceStats(channel: string): Promise<PresenceStats> {
    const clients = Object.values(await this.presence(channel));
    return { numClients: clients.length, numUsers: new Set(clients.map((info) => info.user)).size };
  }

  async subscribeControl(handler: ControlHandler): Promise<void> {
    this.assertReady();
    this.control?.unsubscribe();
    this.control = this.nc.subscribe(this.names.control, {
      callback: (error, message) => {
        if (error !== null) return;
        const decoded = decodeControl(message.string());
        if (decoded !== undefined) handler(decoded);
      },
    });
    await this.request(() => this.nc.flush());
  }

  async publishControl(message: ControlMessage): Promise<void> {
    this.assertReady();
    this.nc.publish(this.names.control, this.encoder.encode(encodeControl(message)));
  }

  /** A flush: resolves when the server has answered a PING sent after everything before it. */
  async ping(): Promise<void> {
    this.assertReady();
    await this.request(() => this.nc.flush());
  }

  /** Closes the connection. Presence this node added expires by its TTL. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const { feed } of this.feeds.values()) feed.close();
    this.feeds.clear();
    await this.nc.close().catch(() => {});
  }

  private async watchStatus(): Promise<void> {
    for await (const status of this.nc.status()) {
      if (status.type === 'disconnect') {
        this.connected = false;
      } else if (status.type === 'reconnect') {
        this.connected = true;
        // The client sent our subscriptions again on reconnect; once the server has
        // them, read what was published meanwhile.
        this.nc.flush().then(
          () => {
            for (const { feed } of this.feeds.values()) feed.resync();
          },
          (error: Error) => this.onError(error),
        );
      } else if (status.type === 'error') {
        this.onError(new Error(`NATS: ${String(status.data)}`));
      }
    }
  }

  private readSince(channel: string, since: StreamPosition): Promise<{ epoch: string; events: Array<Extract<BrokerEvent, { type: 'publication' }>> }> {
    return this.history_.read(channel, { since }).then(({ epoch, entries }) => ({
      epoch,
      events: entries.map(({ publication, excludeClient }) => {
        const event: Extract<BrokerEvent, { type: 'publication' }> = { type: 'publication', channel, publication };
        if (excludeClient !== '') event.excludeClient = excludeClient;
        return event;
      }),
    }));
  }

  /**
   * Runs a request; a failure while the connection is down becomes BrokerUnavailableError.
   * A server that lost the stream or a bucket (restarted without its store, or deleted by
   * an operator) answers "no responders" or "stream not found": the stream and buckets are
   * created again once and the request is retried, so history starts a new epoch instead
   * of every publish being refused until this node restarts.
   */
  private async request<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (!(this.connected && !this.nc.isClosed() && isMissingStream(error) && (await this.restoreJetStream()))) throw this.unavailable(error);
    }
    try {
      return await operation();
    } catch (error) {
      throw this.unavailable(error);
    }
  }

  /** A failure while the connection is down (or a connection-level one) is BrokerUnavailableError. */
  private unavailable(error: unknown): unknown {
    if (!this.connected || this.nc.isClosed() || isConnectionError(error)) return new BrokerUnavailableError('NATS', this.url, error);
    return error;
  }

  /** Sets the stream and buckets up again; concurrent callers share one attempt. */
  private restoreJetStream(): Promise<boolean> {
    this.restoring ??= this.setUpJetStream().then(
      () => true,
      (error: Error) => {
        this.onError(error);
        return false;
      },
    ).finally(() => {
      this.restoring = undefined;
    });
    return this.restoring;
  }

  private assertReady(): void {
    if (this.closed) throw new Error('broker is closed');
    if (!this.connected || this.nc.isClosed()) throw new BrokerUnavailableError('NATS', this.url);
  }
}

/** Creates the history stream and the meta and presence buckets where missing (and updates their settings). */
async function setUpJetStream(nats: typeof import('nats'), nc: NatsConnection, names: NatsNames, options: NatsBrokerOptions) {
  const jsm = await nc.jetstreamManager({ timeout: options.requestTimeoutMs ?? 5_000 });
  const storage = (options.storage ?? 'file') as StreamConfig['storage'];
  const replicas = options.replicas ?? 1;
  await ensureStream(jsm, {
    name: names.historyStream,
    subjects: [names.historySubjects],
    storage,
    num_replicas: replicas,
    max_age: nats.nanos(options.historyMaxAgeMs ?? 30 * DAY_MS),
    discard: 'old' as StreamConfig['discard'],
  });
  const js = nc.jetstream({ timeout: options.requestTimeoutMs ?? 5_000 });
  const kvStorage = storage === 'memory' ? nats.StorageType.Memory : nats.StorageType.File;
  const meta: KV = await js.views.kv(names.metaBucket, { history: 1, ttl: options.historyMaxAgeMs ?? 30 * DAY_MS, storage: kvStorage, replicas });
  const presenceBucket: KV = await js.views.kv(names.presenceBucket, { history: 1, ttl: options.presenceMaxAgeMs ?? 3_600_000, storage: kvStorage, replicas });
  return { jsm, js, meta, presenceBucket };
}

async function ensureStream(jsm: JetStreamManager, config: Partial<StreamConfig> & { name: string }): Promise<void> {
  try {
    await jsm.streams.info(config.name);
    await jsm.streams.update(config.name, config);
  } catch (error) {
    if ((error as { api_error?: { err_code?: number } }).api_error?.err_code !== 10059) throw error;
    await jsm.streams.add(config);
  }
}

/** JetStream's answers when the stream or bucket a request needs does not exist. */
function isMissingStream(error: unknown): boolean {
  const { code, api_error: apiError } = (error ?? {}) as { code?: unknown; api_error?: { err_code?: number } };
  return String(code) === '503' || apiError?.err_code === 10059 || /stream not found/i.test(String((error as Error | undefined)?.message));
}

function isConnectionError(error: unknown): boolean {
  const code = String((error as { code?: unknown } | undefined)?.code ?? '');
  return ['CONNECTION_CLOSED', 'CONNECTION_DRAINING', 'DISCONNECT', 'TIMEOUT', '503'].includes(code);
}
