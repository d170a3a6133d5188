// The hub: the registry of client connections on this node, the server-side API
// (publish, presence, history, disconnect), and the one shared sweep that enforces
// token expiry, connect timeouts and presence refresh without a timer per connection.

import type { Broker, ControlMessage } from '../broker/broker.js';
import { MemoryBroker } from '../broker/memory.js';
import { TokenVerifier } from './auth.js';
import { parseChannelName } from './channel-name.js';
import { ClientConnection, type ClientSubscription } from './client.js';
import { toWirePublication } from './encode.js';
import { HubError } from './errors.js';
import { ExpiryWheel } from './expiry-wheel.js';
import { LocalChannels } from './local-channels.js';
import { Namespaces, retentionOf, type ResolvedNamespace } from './namespaces.js';
import { resolveHubOptions, type HubOptions, type ResolvedHubOptions } from './options.js';
import { isPositionKept } from './recovery.js';
import type { Session } from './session.js';
import {
  DisconnectCode,
  type ClientInfo,
  type HistoryDirection,
  type HistoryResult,
  type PresenceStatsResult,
  type PublishResult,
  type StreamPosition,
} from './wire.js';

export interface RpcCall {
  client: string;
  user: string;
  connInfo: unknown;
  data: unknown;
}

/** Answers an rpc command; throw HubError for an error reply with its code. */
export type RpcHandler = (call: RpcCall) => unknown;

export interface HubStats {
  slowConsumerDisconnects: number;
  tokenExpiredDisconnects: number;
  connectTimeouts: number;
  publications: number;
  internalErrors: number;
}

export interface ServerPublishOptions {
  /** A client id that must not receive this publication. */
  excludeClient?: string;
  /** Passed to publish interceptors, so a service can recognise its own publications. */
  tag?: string;
}

/** A publication this node is about to publish; see Hub.addPublishInterceptor. */
export interface InterceptedPublication {
  channel: string;
  data: unknown;
  /** The publishing client; absent for server and API publications. */
  info?: ClientInfo;
  source: 'client' | 'api' | 'server';
  tag?: string;
}

/** May refuse a publication by throwing a HubError (its code is the publisher's error). */
export type PublishInterceptor = (publication: InterceptedPublication) => void | Promise<void>;

export interface ServerHistoryOptions {
  limit?: number | undefined;
  since?: StreamPosition | undefined;
  direction?: HistoryDirection | undefined;
}

export class Hub {
  readonly options: ResolvedHubOptions;
  readonly broker: Broker;
  readonly namespaces: Namespaces;
  readonly localChannels: LocalChannels;
  readonly stats: HubStats = {
    slowConsumerDisconnects: 0,
    tokenExpiredDisconnects: 0,
    connectTimeouts: 0,
    publications: 0,
    internalErrors: 0,
  };
  /** Called with unexpected errors (the client only sees "internal"). Default: console.error. */
  onInternalError: (error: unknown) => void = (error) => console.error('volley hub:', error);

  private readonly clients = new Set<ClientConnection>();
  private readonly clientsByUser = new Map<string, Set<ClientConnection>>();
  private readonly clientsById = new Map<string, ClientConnection>();
  private readonly tokenExpiry = new ExpiryWheel<ClientConnection>();
  private readonly connectDeadlines = new ExpiryWheel<ClientConnection>();
  private readonly rpcHandlers = new Map<string, RpcHandler>();
  private readonly publishInterceptors = new Set<PublishInterceptor>();
  private readonly ownsBroker: boolean;
  private readonly verifierReady: Promise<TokenVerifier | undefined>;
  private readonly controlReady: Promise<void>;
  private readonly sweepTimer: ReturnType<typeof setInterval> | undefined;
  private lastPresenceRefresh: number;
  private closed = false;

  constructor(options: HubOptions = {}) {
    this.options = resolveHubOptions(options);
    this.ownsBroker = options.broker === undefined;
    this.broker = options.broker ?? new MemoryBroker();
    this.namespaces = new Namespaces(options.channels, options.namespaces);
    this.localChannels = new LocalChannels(this.broker);
    // jose is imported only here, and only when auth is configured.
    this.verifierReady = options.auth === undefined ? Promise.resolve(undefined) : TokenVerifier.create(options.auth);
    this.verifierReady.catch(() => {});
    this.controlReady = this.broker.subscribeControl((message) => this.handleControl(message));
    this.controlReady.catch(() => {});
    this.lastPresenceRefresh = this.options.now();
    if (this.options.sweepIntervalMs > 0) {
      this.sweepTimer = setInterval(() => this.sweep(), this.options.sweepIntervalMs);
      this.sweepTimer.unref();
    }
  }

  /** Resolves when auth and the broker's control channel are set up; rejects on bad config. */
  async ready(): Promise<void> {
    await this.verifierReady;
    await this.controlReady;
  }

  get connectionCount(): number {
    return this.clients.size;
  }

  get channelCount(): number {
    return this.localChannels.size;
  }

  /** Accepts a new transport session. Feed it with handleText; call handleClose when it ends. */
  connect(session: Session): ClientConnection {
    const client = new ClientConnection(this, session);
    if (this.closed) {
      session.close(DisconnectCode.shutdown, 'server shutdown');
      client.state = 'closed';
      return client;
    }
    this.clients.add(client);
    this.clientsById.set(client.id, client);
    this.connectDeadlines.schedule(client, this.options.now() + this.options.connectTimeoutMs);
    return client;
  }

  registerRpc(method: string, handler: RpcHandler): void {
    this.rpcHandlers.set(method, handler);
  }

  rpcHandler(method: string): RpcHandler | undefined {
    return this.rpcHandlers.get(method);
  }

  /**
   * Calls `interceptor` for every publication accepted on this node, after the permission
   * and size checks and before the broker publish. A thrown HubError refuses the publish.
   * Returns a function that removes the interceptor.
   */
  addPublishInterceptor(interceptor: PublishInterceptor): () => void {
    this.publishInterceptors.add(interceptor);
    return () => {
      this.publishInterceptors.delete(interceptor);
    };
  }

  /** Runs the interceptors; undefined (no await, no extra turn) when there are none. */
  interceptPublication(publication: InterceptedPublication): Promise<void> | undefined {
    if (this.publishInterceptors.size === 0) return undefined;
    return (async () => {
      for (const interceptor of [...this.publishInterceptors]) await interceptor(publication);
    })();
  }

  verifier(): Promise<TokenVerifier | undefined> {
    return this.verifierReady;
  }

  /** Publishes from the server: no publish policy applies, only the channel must exist. */
  async publish(channel: string, data: unknown, options: ServerPublishOptions = {}): Promise<PublishResult> {
    const namespace = this.channelNamespace(channel);
    const encoded = JSON.stringify(data);
    if (encoded === undefined) throw new HubError('badRequest', 'data must be JSON');
    const intercepted = this.interceptPublication({ channel, data, source: 'server', ...(options.tag === undefined ? {} : { tag: options.tag }) });
    if (intercepted !== undefined) await intercepted;
    const retention = retentionOf(namespace);
    const position = await this.broker.publish(channel, encoded, {
      ...(retention === undefined ? {} : { history: retention }),
      ...(options.excludeClient === undefined ? {} : { excludeClient: options.excludeClient }),
    });
    this.stats.publications += 1;
    return retention === undefined ? {} : { offset: position.offset, epoch: position.epoch };
  }

  async presence(channel: string): Promise<Record<string, ClientInfo>> {
    this.presenceNamespace(channel);
    return this.broker.presence(channel);
  }

  async presenceStats(channel: string): Promise<PresenceStatsResult> {
    this.presenceNamespace(channel);
    return this.broker.presenceStats(channel);
  }

  /**
   * Reads a channel's history. With `since`, a position from another epoch or one older
   * than what is kept is refused with unrecoverable_position.
   */
  async history(channel: string, options: ServerHistoryOptions = {}): Promise<HistoryResult> {
    const retention = retentionOf(this.channelNamespace(channel));
    if (retention === undefined) throw new HubError('notAvailable', 'history is off in this namespace');
    const direction = options.direction ?? 'forward';
    const limit = Math.min(options.limit ?? retention.size, retention.size);
    const since = options.since;
    const stream = await this.broker.history(channel, {
      limit,
      direction,
      ...(since === undefined ? {} : { since }),
    });
    if (since !== undefined) {
      const kept = direction === 'backward' || limit === 0 ? since.epoch === stream.epoch : isPositionKept(since, stream);
      if (!kept) throw new HubError('unrecoverablePosition', 'position is older than the history or from another epoch');
    }
    return { publications: stream.publications.map(toWirePublication), offset: stream.offset, epoch: stream.epoch };
  }

  /** Disconnects every connection of a user, on every node. */
  async disconnectUser(user: string, code: number = DisconnectCode.forceDisconnect, reason = 'disconnected by the server'): Promise<void> {
    await this.broker.publishControl({ type: 'disconnect', user, code, reason });
  }

  /** Disconnects one connection by client id, on whichever node holds it. */
  async disconnectClient(client: string, code: number = DisconnectCode.forceDisconnect, reason = 'disconnected by the server'): Promise<void> {
    await this.broker.publishControl({ type: 'disconnect-client', client, code, reason });
  }

  /**
   * The shared periodic work: token expiry, connect timeouts, presence refresh. Runs on
   * a timer every sweepIntervalMs; tests with a fake clock call it directly.
   */
  sweep(): void {
    const now = this.options.now();
    for (const client of this.tokenExpiry.takeDue(now)) {
      if (client.expiresAt === undefined || client.isClosed) continue;
      if (client.expiresAt * 1000 <= now) {
        this.stats.tokenExpiredDisconnects += 1;
        client.close(DisconnectCode.tokenExpired, 'token expired');
      } else {
        this.tokenExpiry.schedule(client, client.expiresAt * 1000);
      }
    }
    for (const client of this.connectDeadlines.takeDue(now)) {
      if (client.state !== 'new') continue;
      this.stats.connectTimeouts += 1;
      client.close(DisconnectCode.connectTimeout, 'no connect command in time');
    }
    if (now - this.lastPresenceRefresh >= this.options.presenceTtlMs / 3) {
      this.lastPresenceRefresh = now;
      this.refreshPresence();
    }
  }

  /** Closes every connection (1001), stops the sweep, and closes a broker the hub created. */
  async close(code: number = DisconnectCode.shutdown, reason = 'server shutdown'): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.sweepTimer !== undefined) clearInterval(this.sweepTimer);
    for (const client of [...this.clients]) client.close(code, reason);
    if (this.ownsBroker) await this.broker.close();
  }

  // ---- used by ClientConnection and the command handlers ----

  /** The connect command succeeded. */
  connected(client: ClientConnection): void {
    this.connectDeadlines.cancel(client);
    let sessions = this.clientsByUser.get(client.user);
    if (sessions === undefined) {
      sessions = new Set();
      this.clientsByUser.set(client.user, sessions);
    }
    sessions.add(client);
    this.tokenRefreshed(client);
  }

  tokenRefreshed(client: ClientConnection): void {
    if (client.expiresAt === undefined) this.tokenExpiry.cancel(client);
    else this.tokenExpiry.schedule(client, client.expiresAt * 1000);
  }

  /** Removes a subscription; an established one also leaves presence and announces the leave. */
  dropSubscription(client: ClientConnection, subscription: ClientSubscription): void {
    const { channel, namespace } = subscription;
    if (client.subscriptions.get(channel) !== subscription) return;
    client.subscriptions.delete(channel);
    this.localChannels.remove(channel, client);
    if (subscription.state !== 'active') return;
    if (namespace.presence) this.background(this.broker.removePresence(channel, client.id));
    if (namespace.joinLeave) this.background(this.broker.publishLeave(channel, subscription.info));
  }

  /** The connection has closed: drop everything it held. */
  forget(client: ClientConnection): void {
    if (!this.clients.delete(client)) return;
    this.clientsById.delete(client.id);
    this.tokenExpiry.cancel(client);
    this.connectDeadlines.cancel(client);
    const sessions = this.clientsByUser.get(client.user);
    if (sessions !== undefined) {
      sessions.delete(client);
      if (sessions.size === 0) this.clientsByUser.delete(client.user);
    }
    for (const subscription of [...client.subscriptions.values()]) this.dropSubscription(client, subscription);
  }

  /** Runs a broker call whose result nobody waits for; failures are reported, not thrown. */
  background(operation: Promise<unknown>): void {
    operation.catch((error: unknown) => this.reportInternalError(error));
  }

  reportInternalError(error: unknown): void {
    this.stats.internalErrors += 1;
    try {
      this.onInternalError(error);
    } catch {
      // A failing error reporter must not take the hub down.
    }
  }

  private channelNamespace(channel: string): ResolvedNamespace {
    const name = parseChannelName(channel);
    if (name === undefined) throw new HubError('badRequest', 'invalid channel name');
    return this.namespaces.get(name.namespace);
  }

  private presenceNamespace(channel: string): void {
    if (!this.channelNamespace(channel).presence) throw new HubError('notAvailable', 'presence is off in this namespace');
  }

  private refreshPresence(): void {
    const ttl = this.options.presenceTtlMs;
    for (const client of this.clients) {
      for (const subscription of client.subscriptions.values()) {
        if (subscription.state === 'active' && subscription.namespace.presence) {
          this.background(this.broker.addPresence(subscription.channel, subscription.info, ttl));
        }
      }
    }
  }

  private handleControl(message: ControlMessage): void {
    if (message.type === 'disconnect') {
      const sessions = this.clientsByUser.get(message.user);
      if (sessions === undefined) return;
      for (const client of [...sessions]) client.close(message.code, message.reason);
    } else if (message.type === 'disconnect-client') {
      this.clientsById.get(message.client)?.close(message.code, message.reason);
    }
  }
}
