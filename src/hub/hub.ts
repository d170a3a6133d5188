// The hub: the registry of client connections on this node, the server-side API
// (publish, presence, history, disconnect), and the one shared sweep that enforces
// token expiry, connect timeouts and presence refresh without a timer per connection.

import type { Broker, ControlMessage } from '../broker/broker.js';
import { DisconnectCode, type ClientInfo, type HistoryResult, type Method, type PresenceStatsResult, type PublishResult } from '../wire/index.js';
import { TokenVerifier } from './auth.js';
import { ChannelReads, type HistoryQuery } from './channel-reads.js';
import { resolveChannel, type ChannelTarget } from './channel-target.js';
import { dispatchCommand, type CommandContext, type RpcHandler } from './commands/index.js';
import { Connection, type ConnectionHost } from './connection.js';
import { addTraffic, pageOfConnections, type ConnectionPage, type ConnectionQuery, type HubTraffic } from './connection-facts.js';
import type { Params } from './decode.js';
import { ExpiryWheel } from './expiry-wheel.js';
import { LocalChannels } from './local-channels.js';
import { Memberships } from './memberships.js';
import { Namespaces, type ResolvedNamespace } from './namespaces.js';
import { allOf, ObserverSlot, type HubObserver } from './observer.js';
import { resolveHubOptions, type HubOptions, type ResolvedHubOptions } from './options.js';
import { Publisher, type PublishInterceptor } from './publisher.js';
import type { Session } from './session.js';
import { TokenChecks } from './token-checks.js';

export type { RpcCall, RpcHandler } from './commands/index.js';

export interface HubStats {
  slowConsumerDisconnects: number;
  tokenExpiredDisconnects: number;
  connectTimeouts: number;
  publications: number;
  internalErrors: number;
  /** Commands refused with `unavailable` (117) while the broker's engine was out of reach. */
  unavailableReplies: number;
}

export interface ServerPublishOptions {
  /** A client id that must not receive this publication. */
  excludeClient?: string | undefined;
  /** Passed to publish interceptors as is (e.g. a bridge marks its own publications). */
  tag?: string | undefined;
  /** Who publishes, as interceptors see it: 'api' for the HTTP API. Default 'server'. */
  source?: 'server' | 'api';
}

export type ServerHistoryOptions = HistoryQuery;

export interface ChannelQuery {
  /** Only channels whose name starts with this. */
  prefix?: string | undefined;
  /** Skip this many matches. Default 0. */
  offset?: number | undefined;
  /** Return at most this many. Default 100. */
  limit?: number | undefined;
}

export interface ChannelPage {
  /** Matching channels with subscribers on this node, before paging. */
  total: number;
  channels: Array<{ channel: string; subscribers: number }>;
}

export class Hub {
  readonly options: ResolvedHubOptions;
  readonly broker: Broker;

  readonly stats: HubStats = {
    slowConsumerDisconnects: 0,
    tokenExpiredDisconnects: 0,
    connectTimeouts: 0,
    publications: 0,
    internalErrors: 0,
    unavailableReplies: 0,
  };
  /** Called with unexpected errors (the client only sees "internal"). Default: console.error. */
  onInternalError: (error: unknown) => void = (error) => console.error('volley hub:', error);

  private readonly namespaces: Namespaces;
  private readonly localChannels: LocalChannels;
  private readonly publisher: Publisher;
  private readonly reads: ChannelReads;
  private readonly memberships: Memberships;
  /** What command handlers see of the hub. */
  private readonly context: CommandContext;
  /** What connections see of the hub. */
  private readonly host: ConnectionHost;

  private readonly connectionsByUser = new Map<string, Set<Connection>>();
  /** This node's connections by client id, in order of connection (the one registry: no second set). */
  private readonly connectionsById = new Map<string, Connection>();
  /** The traffic of connections that have closed (the live ones are summed when asked). */
  private readonly closedTraffic: HubTraffic = { messagesIn: 0, bytesIn: 0, messagesOut: 0, bytesOut: 0, errors: 0 };
  private readonly tokenExpiry = new ExpiryWheel<Connection>();
  private readonly connectDeadlines = new ExpiryWheel<Connection>();
  private readonly rpcHandlers = new Map<string, RpcHandler>();
  private readonly verifierReady: Promise<TokenVerifier | undefined>;
  private readonly controlReady: Promise<void>;
  /** Who hears the control messages the hub does not act on itself (the server's admin-revoke). */
  private readonly controlListeners: Array<(message: ControlMessage) => void> = [];
  private readonly sweepTimer: ReturnType<typeof setInterval> | undefined;
  private lastPresenceRefresh: number;
  private shuttingDown = false;
  /** Who watches the hub (metrics, logs): see observe(). */
  private readonly observer = new ObserverSlot();
  private readonly observers: HubObserver[] = [];

  /** The broker is required: the hub never makes or closes one (VolleyServer does). */
  constructor(options: HubOptions & { broker: Broker }) {
    this.options = resolveHubOptions(options);
    this.broker = options.broker;
    this.namespaces = new Namespaces(options.channels, options.namespaces);
    this.localChannels = new LocalChannels(this.broker, this.observer);
    // jose is imported only here, and only when auth is configured.
    this.verifierReady = options.auth === undefined ? Promise.resolve(undefined) : TokenVerifier.create(options.auth);
    this.verifierReady.catch(() => {});
    this.publisher = new Publisher({ options: this.options, broker: this.broker, publicationAccepted: () => void (this.stats.publications += 1) });
    this.reads = new ChannelReads(this.broker);
    this.memberships = new Memberships({
      broker: this.broker,
      localChannels: this.localChannels,
      presenceTtlMs: this.options.presenceTtlMs,
      background: (operation) => this.background(operation),
      observer: this.observer,
    });
    this.context = {
      options: this.options,
      resolveChannel: (channel) => this.resolveChannel(channel),
      tokens: new TokenChecks(this.verifierReady, this.options),
      publisher: this.publisher,
      reads: this.reads,
      memberships: this.memberships,
      rpcHandler: (method) => this.rpcHandlers.get(method),
      authenticated: (connection) => this.authenticated(connection),
      background: (operation) => this.background(operation),
      observer: this.observer,
    };
    this.host = {
      options: this.options,
      run: (connection, id, method, params) => this.run(connection, id, method, params),
      closed: (connection) => this.forget(connection),
      slowConsumer: () => void (this.stats.slowConsumerDisconnects += 1),
      reportInternalError: (error) => this.reportInternalError(error),
      countUnavailable: () => void (this.stats.unavailableReplies += 1),
      observer: this.observer,
    };
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
    return this.connectionsById.size;
  }

  get channelCount(): number {
    return this.localChannels.size;
  }

  /**
   * Public facts of this node's connections (id, user, transport, address, channels, traffic),
   * in order of connection, paged; with `user`, that user's only. Costs O(offset + limit).
   */
  listConnections(query: ConnectionQuery = {}): ConnectionPage {
    if (query.user === undefined) return pageOfConnections(this.connectionsById.values(), this.connectionsById.size, query);
    const sessions = this.connectionsByUser.get(query.user);
    return pageOfConnections(sessions ?? [], sessions?.size ?? 0, query);
  }

  /** The channels with subscribers on this node and how many, paged (in order of first subscriber). */
  listChannels(query: ChannelQuery = {}): ChannelPage {
    const offset = query.offset ?? 0;
    const limit = query.limit ?? 100;
    const prefix = query.prefix ?? '';
    const channels: ChannelPage['channels'] = [];
    let total = 0;
    for (const channel of this.localChannels.names()) {
      if (!channel.startsWith(prefix)) continue;
      if (total++ >= offset && channels.length < limit) channels.push({ channel, subscribers: this.localChannels.subscriberCount(channel) });
    }
    return { total, channels };
  }

  /** Messages and bytes in and out and error replies of this node since it started: O(connections), for sampling every few seconds. */
  traffic(): HubTraffic {
    const total = { ...this.closedTraffic };
    for (const connection of this.connectionsById.values()) addTraffic(total, connection.traffic);
    return total;
  }

  /** Accepts a new transport session. Feed it with handleText; call handleClose when it ends. */
  connect(session: Session): Connection {
    const connection = new Connection(this.host, session);
    if (this.shuttingDown) {
      connection.close(DisconnectCode.shutdown, 'server shutdown');
      return connection;
    }
    this.connectionsById.set(connection.id, connection);
    this.connectDeadlines.schedule(connection, this.options.now() + this.options.connectTimeoutMs);
    this.observer.current.opened(connection);
    return connection;
  }

  /** Subscriptions of this node's connections (pending ones included); counted when asked. */
  get subscriptionCount(): number {
    let count = 0;
    for (const connection of this.connectionsById.values()) count += connection.subscriptions.size;
    return count;
  }

  /**
   * Adds an observer of the hub's events (sessions opened and closed, commands and their
   * latency, errors, messages in and out, recoveries). Returns the function that removes it.
   */
  observe(observer: HubObserver): () => void {
    this.observers.push(observer);
    this.observer.current = allOf(this.observers);
    return () => {
      const index = this.observers.indexOf(observer);
      if (index !== -1) this.observers.splice(index, 1);
      this.observer.current = allOf(this.observers);
    };
  }

  registerRpc(method: string, handler: RpcHandler): void {
    this.rpcHandlers.set(method, handler);
  }

  /**
   * Adds a function that sees every publication accepted on this node (clients, HTTP API,
   * server) after the permission and size checks and before the broker publish; a thrown
   * HubError refuses the publication with that error. Returns the function that removes it.
   */
  addPublishInterceptor(interceptor: PublishInterceptor): () => void {
    return this.publisher.addInterceptor(interceptor);
  }

  /**
   * Publishes from the server: no publish policy applies; the channel must exist and the
   * limits hold. A Uint8Array (or Buffer) is published as binary data (`b64` on the wire),
   * anything else as JSON.
   */
  async publish(channel: string, data: unknown, options: ServerPublishOptions = {}): Promise<PublishResult> {
    return this.publisher.publish({
      target: this.resolveChannel(channel),
      data,
      source: options.source ?? 'server',
      excludeClient: options.excludeClient,
      tag: options.tag,
    });
  }

  async presence(channel: string): Promise<Record<string, ClientInfo>> {
    return this.reads.presence(this.resolveChannel(channel));
  }

  async presenceStats(channel: string): Promise<PresenceStatsResult> {
    return this.reads.presenceStats(this.resolveChannel(channel));
  }

  /**
   * Reads a channel's history. With `since`, a position from another epoch or one older
   * than what is kept is refused with unrecoverable_position.
   */
  async history(channel: string, options: ServerHistoryOptions = {}): Promise<HistoryResult> {
    return this.reads.history(this.resolveChannel(channel), options);
  }

  /** Hears the control messages (from every node, this one included) that the hub does not act on itself. */
  onControl(listener: (message: ControlMessage) => void): () => void {
    this.controlListeners.push(listener);
    return () => {
      const at = this.controlListeners.indexOf(listener);
      if (at >= 0) this.controlListeners.splice(at, 1);
    };
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
    for (const connection of this.tokenExpiry.takeDue(now)) {
      const expiresAt = connection.expiresAt;
      if (expiresAt === undefined || connection.isClosed) continue;
      if (expiresAt * 1000 <= now) {
        this.stats.tokenExpiredDisconnects += 1;
        connection.close(DisconnectCode.tokenExpired, 'token expired');
      } else {
        this.tokenExpiry.schedule(connection, expiresAt * 1000);
      }
    }
    for (const connection of this.connectDeadlines.takeDue(now)) {
      if (connection.state !== 'new') continue;
      this.stats.connectTimeouts += 1;
      connection.close(DisconnectCode.connectTimeout, 'no connect command in time');
    }
    if (now - this.lastPresenceRefresh >= this.options.presenceTtlMs / 3) {
      this.lastPresenceRefresh = now;
      this.memberships.refreshPresence(this.connectionsById.values());
    }
  }

  /** Closes every connection (1001) and stops the sweep. The broker is its owner's to close. */
  async close(code: number = DisconnectCode.shutdown, reason = 'server shutdown'): Promise<void> {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    if (this.sweepTimer !== undefined) clearInterval(this.sweepTimer);
    for (const connection of [...this.connectionsById.values()]) connection.close(code, reason);
  }

  /** Reports an unexpected error (counted in stats.internalErrors, passed to onInternalError). */
  reportInternalError(error: unknown): void {
    this.stats.internalErrors += 1;
    try {
      this.onInternalError(error);
    } catch {
      // A failing error reporter must not take the hub down.
    }
  }

  /** The options of a channel's namespace; throws HubError (107, 102) for a bad name or an unknown namespace. */
  channelOptions(channel: string): ResolvedNamespace {
    return this.resolveChannel(channel).namespace;
  }

  private resolveChannel(channel: string): ChannelTarget {
    return resolveChannel(this.namespaces, channel);
  }

  /** connect or refresh succeeded: the connection has a user and a token expiry. */
  private authenticated(connection: Connection): void {
    if (!this.isRegistered(connection)) return;
    this.connectDeadlines.cancel(connection);
    let sessions = this.connectionsByUser.get(connection.user);
    if (sessions === undefined) {
      sessions = new Set();
      this.connectionsByUser.set(connection.user, sessions);
    }
    sessions.add(connection);
    if (connection.expiresAt === undefined) this.tokenExpiry.cancel(connection);
    else this.tokenExpiry.schedule(connection, connection.expiresAt * 1000);
  }

  private isRegistered(connection: Connection): boolean {
    return this.connectionsById.get(connection.id) === connection;
  }

  /** The connection has closed: drop everything it held. */
  private forget(connection: Connection): void {
    if (!this.isRegistered(connection)) return;
    this.connectionsById.delete(connection.id);
    this.observer.current.closed(connection, connection.closeCode, connection.closeReason);
    addTraffic(this.closedTraffic, connection.traffic);
    this.tokenExpiry.cancel(connection);
    this.connectDeadlines.cancel(connection);
    const sessions = this.connectionsByUser.get(connection.user);
    if (sessions !== undefined) {
      sessions.delete(connection);
      if (sessions.size === 0) this.connectionsByUser.delete(connection.user);
    }
    for (const subscription of [...connection.subscriptions.values()]) this.memberships.leave(connection, subscription);
  }

  /** Runs a command; its duration is reported only when someone observes the hub. */
  private run(connection: Connection, id: number, method: Method, params: Params): Promise<void> {
    if (this.observers.length === 0) return dispatchCommand(this.context, connection, id, method, params);
    const started = performance.now();
    const done = () => this.observer.current.command(method, (performance.now() - started) / 1000);
    const running = dispatchCommand(this.context, connection, id, method, params);
    running.then(done, done);
    return running;
  }

  private background(operation: Promise<unknown>): void {
    operation.catch((error: unknown) => this.reportInternalError(error));
  }

  private handleControl(message: ControlMessage): void {
    if (message.type === 'disconnect') {
      const sessions = this.connectionsByUser.get(message.user);
      if (sessions === undefined) return;
      for (const connection of [...sessions]) connection.close(message.code, message.reason);
    } else if (message.type === 'disconnect-client') {
      this.connectionsById.get(message.client)?.close(message.code, message.reason);
    } else {
      for (const listener of this.controlListeners) listener(message);
    }
  }
}
