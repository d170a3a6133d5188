// A Broker over Redis (ioredis, loaded only when this broker is created). Fan-out is
// Redis pub/sub, one Redis channel per Volley channel, subscribed only while this node
// has local subscribers. History is a Redis stream plus a meta hash per channel, written
// by one Lua script together with the PUBLISH (redis-scripts.ts). Presence is a sorted
// set of expiry times plus a hash of client infos per channel.
//
// Two connections: one for commands and one in subscriber mode. Neither queues commands
// while Redis is away: calls fail at once with BrokerUnavailableError. Both reconnect by
// themselves; the subscriber then subscribes again and every channel fills what it
// missed from history (ChannelFeed).

import { randomBytes } from 'node:crypto';
import type { Redis as RedisClient, RedisOptions } from 'ioredis';
import type {
  Broker,
  BrokerEvent,
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
} from '../broker.js';
import { ChannelFeed } from '../cluster/channel-feed.js';
import { BrokerUnavailableError, redactUrl } from '../cluster/errors.js';
import { decodeControl, decodeEvent, encodeControl, encodePresenceEvent, headerTail } from '../cluster/event-codec.js';
import { redisKeys, type RedisKeys } from './redis-keys.js';
import { ADD_PRESENCE, PUBLISH_WITH_HISTORY, READ_HISTORY, READ_PRESENCE, type LuaScript } from './redis-scripts.js';

export interface RedisBrokerOptions {
  /** Default 'redis://127.0.0.1:6379'. `rediss://` for TLS; user and password may be in the URL. */
  url?: string;
  /** Prefix of every key and pub/sub channel; nodes of one cluster share it. Default 'volley'. */
  prefix?: string;
  /** Clock for history and presence expiry, in ms since the epoch. Default Date.now. */
  now?: () => number;
  /** How long connect() waits for Redis before failing. Default 5000. */
  connectTimeoutMs?: number;
  /** Longest pause between reconnect attempts (they back off from 50 ms). Default 2000. */
  maxReconnectDelayMs?: number;
  /** Connection errors after start (Redis down, reconnecting); the broker recovers by itself. Default: ignored. */
  onError?: (error: Error) => void;
  /** Further ioredis options, applied last. */
  redis?: RedisOptions;
}

const FEED_OPTIONS = { reorderWindowMs: 50, fillAttempts: 10, fillRetryMs: 200 };

export class RedisBroker implements Broker {
  readonly url: string;
  private readonly keys: RedisKeys;
  private readonly now: () => number;
  /** Redis pub/sub channel → feed of the Volley channel. */
  private readonly feeds = new Map<string, ChannelFeed>();
  private controlHandler: ControlHandler | undefined;
  private closed = false;

  private constructor(
    private readonly commands: RedisClient,
    private readonly subscriber: RedisClient,
    url: string,
    options: RedisBrokerOptions,
  ) {
    this.url = url;
    this.keys = redisKeys(options.prefix ?? 'volley');
    this.now = options.now ?? Date.now;
    subscriber.on('message', (name: string, text: string) => this.receive(name, text));
  }

  /** Connects both connections; rejects (naming the URL) when Redis cannot be reached in time. */
  static async connect(options: RedisBrokerOptions = {}): Promise<RedisBroker> {
    const url = options.url ?? 'redis://127.0.0.1:6379';
    const { Redis } = await import('ioredis');
    const maxDelay = options.maxReconnectDelayMs ?? 2_000;
    const connectTimeout = options.connectTimeoutMs ?? 5_000;
    const report = options.onError ?? (() => {});
    const settings: RedisOptions = {
      lazyConnect: true,
      enableOfflineQueue: false,
      // A command in flight when the connection drops fails instead of being sent again
      // after the reconnect: a publish the caller saw refused must not appear later.
      maxRetriesPerRequest: 0,
      autoResubscribe: false,
      connectTimeout,
      retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 10), maxDelay),
      ...options.redis,
    };
    const commands = new Redis(url, settings);
    const subscriber = new Redis(url, settings);
    // ioredis rejects connect() with a bare "Connection is closed"; the socket error says why.
    let socketError: Error | undefined;
    const remember = (error: Error) => {
      socketError ??= error;
    };
    commands.on('error', remember);
    subscriber.on('error', remember);
    try {
      await withTimeout(Promise.all([commands.connect(), subscriber.connect()]), connectTimeout);
    } catch (error) {
      commands.disconnect();
      subscriber.disconnect();
      const cause = socketError ?? (error as Error);
      throw new Error(`cannot reach Redis at ${redactUrl(url)}: ${cause.message}`, { cause });
    }
    commands.off('error', remember);
    subscriber.off('error', remember);
    commands.on('error', report);
    subscriber.on('error', report);
    const broker = new RedisBroker(commands, subscriber, redactUrl(url), options);
    subscriber.on('ready', () => void broker.resubscribe());
    return broker;
  }

  async subscribe(channel: string, handler: BrokerHandler): Promise<void> {
    this.assertOpen();
    const name = this.keys.pubsub(channel);
    const feed = new ChannelFeed(channel, handler, (since) => this.readSince(channel, since), FEED_OPTIONS);
    this.feeds.get(name)?.close();
    this.feeds.set(name, feed);
    try {
      await this.call(this.subscriber, () => this.subscriber.subscribe(name));
    } catch (error) {
      if (this.feeds.get(name) === feed) this.feeds.delete(name);
      feed.close();
      throw error;
    }
  }

  async unsubscribe(channel: string): Promise<void> {
    const name = this.keys.pubsub(channel);
    this.feeds.get(name)?.close();
    this.feeds.delete(name);
    // While Redis is away there is nothing to undo: the reconnect subscribes only to what is left.
    if (this.subscriber.status === 'ready') await this.subscriber.unsubscribe(name).catch(() => {});
  }

  async publish(channel: string, data: string, options: BrokerPublishOptions = {}): Promise<StreamPosition> {
    this.assertOpen();
    const tail = headerTail(options.info, options.excludeClient, options.binary);
    const retention = options.history;
    if (retention === undefined || retention.size <= 0) {
      await this.call(this.commands, () => this.commands.publish(this.keys.pubsub(channel), `{"t":"p","o":0,"e":""${tail}\n${data}`));
      return { offset: 0, epoch: '' };
    }
    const [offset, epoch] = (await this.script(PUBLISH_WITH_HISTORY, [this.keys.stream(channel), this.keys.meta(channel)], [
      this.keys.pubsub(channel),
      data,
      options.info === undefined ? '' : JSON.stringify(options.info),
      options.excludeClient ?? '',
      String(retention.size),
      String(Math.max(1, Math.ceil(retention.ttlMs))),
      String(Math.max(1, Math.ceil(retention.metaTtlMs))),
      String(this.now()),
      newEpoch(),
      tail,
      options.binary === true ? '1' : '',
    ])) as [number, string];
    return { offset: Number(offset), epoch: String(epoch) };
  }

  async publishJoin(channel: string, info: ClientInfo): Promise<void> {
    this.assertOpen();
    await this.call(this.commands, () => this.commands.publish(this.keys.pubsub(channel), encodePresenceEvent('join', info)));
  }

  async publishLeave(channel: string, info: ClientInfo): Promise<void> {
    this.assertOpen();
    await this.call(this.commands, () => this.commands.publish(this.keys.pubsub(channel), encodePresenceEvent('leave', info)));
  }

  async history(channel: string, options: BrokerHistoryOptions = {}): Promise<BrokerHistoryResult> {
    this.assertOpen();
    const { epoch, offset, entries } = await this.readStream(channel, options);
    const result: BrokerHistoryResult = { publications: entries.map(({ publication }) => publication), offset, epoch };
    if (options.retention !== undefined) this.feeds.get(this.keys.pubsub(channel))?.seed({ offset, epoch });
    return result;
  }

  async removeHistory(channel: string): Promise<void> {
    this.assertOpen();
    await this.call(this.commands, () => this.commands.del(this.keys.stream(channel), this.keys.meta(channel)));
  }

  async addPresence(channel: string, info: ClientInfo, ttlMs: number): Promise<void> {
    this.assertOpen();
    const ttl = Math.max(1, Math.ceil(ttlMs));
    await this.script(ADD_PRESENCE, [this.keys.presenceExpiry(channel), this.keys.presenceInfo(channel)], [
      info.client,
      JSON.stringify(info),
      String(this.now() + ttl),
      String(ttl),
    ]);
  }

  async removePresence(channel: string, clientId: string): Promise<void> {
    this.assertOpen();
    await this.call(this.commands, () =>
      this.commands.multi().zrem(this.keys.presenceExpiry(channel), clientId).hdel(this.keys.presenceInfo(channel), clientId).exec(),
    );
  }

  async presence(channel: string): Promise<Record<string, ClientInfo>> {
    this.assertOpen();
    const flat = (await this.script(READ_PRESENCE, [this.keys.presenceExpiry(channel), this.keys.presenceInfo(channel)], [String(this.now())])) as string[];
    const clients: Record<string, ClientInfo> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) clients[flat[i]!] = JSON.parse(flat[i + 1]!) as ClientInfo;
    return clients;
  }

  async presenceStats(channel: string): Promise<PresenceStats> {
    const clients = Object.values(await this.presence(channel));
    return { numClients: clients.length, numUsers: new Set(clients.map((info) => info.user)).size };
  }

  async subscribeControl(handler: ControlHandler): Promise<void> {
    this.assertOpen();
    this.controlHandler = handler;
    await this.call(this.subscriber, () => this.subscriber.subscribe(this.keys.control));
  }

  async publishControl(message: ControlMessage): Promise<void> {
    this.assertOpen();
    await this.call(this.commands, () => this.commands.publish(this.keys.control, encodeControl(message)));
  }

  /** PING on the command connection; fails while either connection is down (fan-out needs the subscriber too). */
  async ping(): Promise<void> {
    this.assertOpen();
    if (this.subscriber.status !== 'ready') throw new BrokerUnavailableError('Redis', this.url);
    await this.call(this.commands, () => this.commands.ping());
  }

  /** Closes both connections. Presence this node added expires by its TTL. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const feed of this.feeds.values()) feed.close();
    this.feeds.clear();
    this.controlHandler = undefined;
    await Promise.all([quit(this.commands), quit(this.subscriber)]);
  }

  private receive(name: string, text: string): void {
    if (name === this.keys.control) {
      const message = decodeControl(text);
      if (message !== undefined) this.controlHandler?.(message);
      return;
    }
    const feed = this.feeds.get(name);
    if (feed === undefined) return;
    const received = decodeEvent(feed.channel, text);
    if (received !== undefined) feed.push(received);
  }

  /** After a reconnect: subscribe to every channel again, then let each fill its gap. */
  private async resubscribe(): Promise<void> {
    if (this.closed) return;
    const names = [...this.feeds.keys()];
    if (this.controlHandler !== undefined) names.push(this.keys.control);
    if (names.length === 0) return;
    try {
      await this.subscriber.subscribe(...names);
    } catch {
      return; // The connection dropped again; the next 'ready' retries.
    }
    for (const feed of this.feeds.values()) feed.resync();
  }

  private async readSince(channel: string, since: StreamPosition): Promise<{ epoch: string; events: Array<Extract<BrokerEvent, { type: 'publication' }>> }> {
    const { epoch, entries } = await this.readStream(channel, { since });
    return {
      epoch,
      events: entries.map(({ publication, excludeClient }) => {
        const event: Extract<BrokerEvent, { type: 'publication' }> = { type: 'publication', channel, publication };
        if (excludeClient !== '') event.excludeClient = excludeClient;
        return event;
      }),
    };
  }

  private async readStream(channel: string, options: BrokerHistoryOptions): Promise<{ epoch: string; offset: number; entries: StoredEntry[] }> {
    const backward = options.direction === 'backward';
    const since = options.since?.offset;
    let mode = options.limit === 0 ? 'none' : backward ? 'backward' : 'forward';
    let first = '-';
    let last = '+';
    if (since !== undefined) {
      if (backward) {
        if (since <= 1) mode = 'none';
        last = String(since - 1);
      } else {
        first = String(since + 1);
      }
    }
    const retention = options.retention;
    const reply = (await this.script(READ_HISTORY, [this.keys.stream(channel), this.keys.meta(channel)], [
      String(this.now()),
      retention === undefined ? '0' : '1',
      String(Math.max(1, Math.ceil(retention?.metaTtlMs ?? 1))),
      mode,
      first,
      last,
      options.limit === undefined ? '' : String(options.limit),
    ])) as [string, number, Array<[string, string[]]>];
    return { epoch: String(reply[0]), offset: Number(reply[1]), entries: reply[2].map(parseEntry) };
  }

  private async script(lua: LuaScript, keys: string[], args: string[]): Promise<unknown> {
    return this.call(this.commands, async () => {
      try {
        return await this.commands.evalsha(lua.sha, keys.length, ...keys, ...args);
      } catch (error) {
        if (!String((error as Error).message).startsWith('NOSCRIPT')) throw error;
        return this.commands.eval(lua.source, keys.length, ...keys, ...args);
      }
    });
  }

  /** Runs a command; when the connection is not ready, fails fast with BrokerUnavailableError. */
  private async call<T>(connection: RedisClient, command: () => Promise<T>): Promise<T> {
    if (connection.status !== 'ready') throw new BrokerUnavailableError('Redis', this.url);
    try {
      return await command();
    } catch (error) {
      if (connection.status !== 'ready' || isConnectionError(error)) throw new BrokerUnavailableError('Redis', this.url, error);
      throw error;
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('broker is closed');
  }
}

interface StoredEntry {
  publication: BrokerPublication;
  excludeClient: string;
}

function parseEntry([id, fields]: [string, string[]]): StoredEntry {
  const values: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) values[fields[i]!] = fields[i + 1]!;
  const publication: BrokerPublication = { offset: Number.parseInt(id, 10), data: values.d ?? 'null' };
  if (values.i) publication.info = JSON.parse(values.i) as ClientInfo;
  if (values.b === '1') publication.binary = true;
  return { publication, excludeClient: values.x ?? '' };
}

function newEpoch(): string {
  return randomBytes(6).toString('hex');
}

function isConnectionError(error: unknown): boolean {
  const message = String((error as Error | undefined)?.message ?? '');
  return /Connection is closed|ECONNRE|EPIPE|ETIMEDOUT|enableOfflineQueue|MaxRetriesPerRequest|Stream isn't writeable/i.test(message);
}

async function quit(connection: RedisClient): Promise<void> {
  if (connection.status === 'ready') {
    await connection.quit().catch(() => {});
  }
  connection.disconnect();
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
