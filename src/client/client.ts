// The Volley client: one connection with states, reconnects with backoff and jitter,
// liveness, token refresh, commands with deadlines, and the subscriptions it carries
// from one connection to the next. Runs in browsers and Node; imports nothing Node-only.

import {
  DisconnectCode, SUBPROTOCOL, isPush, isTemporary, pushChannel,
  type CommandMap, type ConnectParams, type ConnectResult, type HistoryParams, type Method,
  type PresenceResult, type PresenceStatsResult, type PublishParams, type PublishResult, type ServerMessage,
} from '../wire/index.js';
import { backoffDelay } from './backoff.js';
import { decodedPublication, publishParams } from './binary.js';
import { ClientCode, ClientErrorCode } from './codes.js';
import { Commands } from './commands.js';
import { Emitter } from './emitter.js';
import { VolleyError } from './errors.js';
import type { ClientEvents, ClientState, ErrorContext, StateReason } from './events.js';
import { Liveness, unrefTimer } from './liveness.js';
import { watchOnline } from './online.js';
import { resolveClientOptions, type ClientOptions, type ResolvedClientOptions } from './options.js';
import {
  Subscription, type HistoryOptions, type PublishOptions, type SubscriptionHost, type SubscriptionOptions, type TypedHistoryResult,
} from './subscription.js';
import { TokenRefresher } from './token-refresh.js';
import { abandonSocket, isOpen, resolveWebSocket, type WebSocketLike } from './transport.js';
import { TransportChoice, httpBase, type TransportName } from './transport-choice.js';
import { PollSocket } from './poll-socket.js';
import { SseSocket, type EventSourceConstructor } from './sse-socket.js';
import { StreamSocket } from './stream-socket.js';

/** Sent as `version` with `connect`, for the server's logs. */
export const CLIENT_VERSION = '0.1.0';

export class Client extends Emitter<ClientEvents> {
  readonly url: string;
  private readonly options: ResolvedClientOptions;
  private currentState: ClientState = 'disconnected';
  private clientId: string | undefined;
  private socket: WebSocketLike | null = null;
  private token: string | undefined;
  private readonly commands: Commands;
  private readonly subs = new Map<string, Subscription<any>>();
  private readonly liveness: Liveness;
  private readonly refresher: TokenRefresher;
  private readonly host: SubscriptionHost;
  /** Failed attempts since the last successful connect: the backoff exponent. */
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private connectTimer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped for every socket: callbacks of an older one are ignored. */
  private connection = 0;
  /** Connected and resubscribed: commands that waited for a connection may go. */
  private isReady = false;
  /** The error reply to `connect`, if any: the reason of the close that follows it. */
  private connectError: VolleyError | undefined;
  private stopWatchingOnline: () => void = () => {};
  private readonly choice: TransportChoice;
  /** The transport of the last connection that connected. */
  private connectedTransport: TransportName | undefined;
  private readonly write = (text: string): void => {
    if (!isOpen(this.socket)) throw new Error('not open');
    this.socket.send(text);
  };

  constructor(url: string, options: ClientOptions = {}) {
    super();
    this.url = url;
    this.options = resolveClientOptions(options);
    this.token = this.options.token;
    this.commands = new Commands(this.options.offlineQueueSize);
    this.liveness = new Liveness(
      this.options.pingIntervalMs,
      this.options.pongTimeoutMs,
      () => this.sendNow('ping', {}).catch(() => {}),
      () => this.connectionLost({ code: ClientCode.noHeartbeat, reason: 'no heartbeat from the server' }, true),
    );
    this.refresher = new TokenRefresher({
      getToken: this.options.getToken,
      refreshBeforeMs: this.options.refreshBeforeMs,
      refresh: async (token) => {
        const result = await this.sendNow('refresh', { token });
        this.token = token;
        return result;
      },
      retryDelay: (attempt) => this.retryDelay(attempt),
      onError: (error, retryInMs) => this.emit('error', { type: 'refresh', error: asError(error), retryInMs }),
    });
    this.host = this.subscriptionHost();
    const { transports } = this.options;
    const canFetch = typeof (this.options.fetch ?? globalThis.fetch) === 'function';
    this.choice = new TransportChoice(
      transports.filter((name) => (name === 'websocket' ? resolveWebSocket(this.options.WebSocket) !== undefined : canFetch)),
      url,
      this.options.rememberTransport,
    );
  }

  get state(): ClientState {
    return this.currentState;
  }

  /** The transport of the current connection, or of the last one (undefined before the first). */
  get transport(): TransportName | undefined {
    return this.connectedTransport;
  }

  /** The connection id the server gave, while connected. */
  get id(): string | undefined {
    return this.clientId;
  }

  /** Starts connecting; from then on the client reconnects by itself until `disconnect()`. */
  connect(): void {
    if (this.currentState !== 'disconnected') return;
    this.attempt = 0;
    this.stopWatchingOnline = watchOnline(() => this.retryNow());
    this.setState('connecting', { code: ClientCode.connectCalled, reason: 'connect called' });
    void this.startAttempt();
  }

  /** Closes the connection and stops reconnecting. Subscriptions resume on the next `connect()`. */
  disconnect(): void {
    if (this.currentState === 'disconnected') return;
    this.closeConnection(true);
    this.finish({ code: ClientCode.disconnectCalled, reason: 'disconnect called' });
  }

  /** Resolves once connected; rejects if the client ends up disconnected first. */
  ready(): Promise<void> {
    if (this.currentState === 'connected') return Promise.resolve();
    if (this.currentState === 'disconnected') return Promise.reject(disconnectedError());
    return new Promise((resolve, reject) => {
      const offConnected = this.once('connected', () => {
        offDisconnected();
        resolve();
      });
      const offDisconnected = this.once('disconnected', ({ code, reason }) => {
        offConnected();
        reject(new VolleyError(code, 'disconnected', reason));
      });
    });
  }

  /** A new subscription (not yet subscribing). Throws if the channel has one already. */
  newSubscription<T = unknown>(channel: string, options?: SubscriptionOptions): Subscription<T> {
    if (this.subs.has(channel)) throw new Error(`there is already a subscription to ${channel}`);
    const subscription = new Subscription<T>(channel, this.host, options);
    this.subs.set(channel, subscription);
    return subscription;
  }

  /** The channel's subscription (created if needed), subscribing. */
  subscribe<T = unknown>(channel: string, options?: SubscriptionOptions): Subscription<T> {
    const subscription = (this.subs.get(channel) as Subscription<T> | undefined) ?? this.newSubscription<T>(channel, options);
    subscription.subscribe();
    return subscription;
  }

  getSubscription<T = unknown>(channel: string): Subscription<T> | undefined {
    return this.subs.get(channel) as Subscription<T> | undefined;
  }

  /** Unsubscribes and forgets the subscription. */
  removeSubscription(subscription: Subscription<any>): void {
    if (this.subs.get(subscription.channel) !== subscription) return;
    subscription.unsubscribe();
    this.subs.delete(subscription.channel);
  }

  subscriptions(): Array<Subscription<unknown>> {
    return [...this.subs.values()];
  }

  /**
   * Publishes `data` to a channel; resolves with the stream position on channels with
   * history. A Uint8Array is sent as binary data (subscribers get a Uint8Array), anything
   * else as JSON. While not connected the publish waits in the queue or fails, as
   * `offlinePublishes` says. A timeout or a lost connection leaves it unknown whether
   * the publication was made; it is never sent twice.
   */
  publish<T = unknown>(channel: string, data: T, options: PublishOptions = {}): Promise<PublishResult> {
    const params: PublishParams = publishParams(channel, data);
    if (options.excludeSelf === true) params.excludeSelf = true;
    if (this.currentState !== 'connected' && this.options.offlinePublishes === 'reject') {
      return Promise.reject(this.currentState === 'disconnected'
        ? disconnectedError()
        : VolleyError.client(ClientErrorCode.offline, 'not connected'));
    }
    return this.request('publish', params, options.timeoutMs);
  }

  /** Who is subscribed to a channel this client is subscribed to. */
  presence(channel: string, timeoutMs?: number): Promise<PresenceResult> {
    return this.request('presence', { channel }, timeoutMs);
  }

  presenceStats(channel: string, timeoutMs?: number): Promise<PresenceStatsResult> {
    return this.request('presence_stats', { channel }, timeoutMs);
  }

  /** The channel's history (this client must be subscribed to it). */
  async history<T = unknown>(channel: string, options: HistoryOptions = {}): Promise<TypedHistoryResult<T>> {
    const params: HistoryParams = { channel };
    if (options.limit !== undefined) params.limit = options.limit;
    if (options.since !== undefined) params.since = options.since;
    if (options.direction !== undefined) params.direction = options.direction;
    const result = await this.request('history', params, options.timeoutMs);
    return { ...result, publications: result.publications.map(decodedPublication) } as TypedHistoryResult<T>;
  }

  /** Calls a method the server registered with `hub.registerRpc`. */
  async rpc<R = unknown>(method: string, data?: unknown, timeoutMs?: number): Promise<R> {
    const params = data === undefined ? { method } : { method, data };
    const result = await this.request('rpc', params, timeoutMs);
    return result.data as R;
  }

  // ---- connecting ----

  private async startAttempt(): Promise<void> {
    this.reconnectTimer = undefined;
    const connection = ++this.connection;
    const transport = this.choice.current;
    if (transport === undefined) {
      this.finish({ code: ClientCode.noWebSocket, reason: 'no transport can open here: pass the WebSocket option (or fetch)' });
      return;
    }
    let token: string | undefined;
    try {
      token = await this.connectionToken();
    } catch (error) {
      if (connection !== this.connection) return;
      this.emit('error', withRetry({ type: 'token', error: asError(error) }, this.attemptFailed()));
      return;
    }
    if (connection !== this.connection || this.currentState !== 'connecting') return;
    let socket: WebSocketLike;
    try {
      socket = this.openSocket(transport);
    } catch (error) {
      this.emit('error', { type: 'transport', error: asError(error) });
      this.finish({ code: ClientCode.badUrl, reason: `cannot open ${this.url}: ${asError(error).message}` });
      return;
    }
    this.socket = socket;
    this.connectError = undefined;
    socket.onopen = () => this.sendConnect(connection, token);
    socket.onmessage = (event: { data: unknown }) => this.handleMessage(event.data);
    socket.onclose = (event: { code: number; reason: string }) => this.handleClose(event.code, event.reason);
    socket.onerror = () => {}; // a close event follows, and it carries what happened
    // A stall falls back sooner than a command times out, when there is something to fall back to.
    const { timeoutMs, transportTimeoutMs, transports } = this.options;
    this.connectTimer = setTimeout(() => {
      this.connectionLost({ code: ClientCode.connectTimeout, reason: `connect timeout (${transport})` }, true);
    }, transports.length > 1 ? Math.min(timeoutMs, transportTimeoutMs) : timeoutMs);
    unrefTimer(this.connectTimer);
  }

  private openSocket(transport: TransportName): WebSocketLike {
    if (transport === 'websocket') return new (resolveWebSocket(this.options.WebSocket)!)(this.url, SUBPROTOCOL);
    const options = { base: this.options.httpUrl ?? httpBase(this.url), fetch: this.options.fetch ?? ((url, init) => fetch(url, init)) };
    if (transport === 'long-polling') return new PollSocket(options);
    // A held GET only the server writes to: promise a request every pingIntervalMs, so the
    // server can tell a half-open connection from a quiet client.
    const held = { ...options, livenessMs: this.options.pingIntervalMs };
    if (transport === 'http-stream') return new StreamSocket(held);
    return new SseSocket(held, this.options.EventSource ?? (globalThis as { EventSource?: EventSourceConstructor }).EventSource);
  }

  private async connectionToken(): Promise<string | undefined> {
    if (this.token !== undefined || this.options.getToken === undefined) return this.token;
    const token = await this.options.getToken();
    if (typeof token !== 'string' || token === '') throw VolleyError.client(ClientErrorCode.tokenError, 'getToken returned no token');
    this.token = token;
    return token;
  }

  private sendConnect(connection: number, token: string | undefined): void {
    const params: ConnectParams = { name: this.options.name, version: CLIENT_VERSION };
    if (token !== undefined) params.token = token;
    this.sendNow('connect', params).then(
      (result) => {
        if (connection === this.connection) this.handleConnected(connection, result);
      },
      (error: unknown) => {
        // A refused connect is followed by the server's close, which decides what happens next.
        if (connection === this.connection && error instanceof VolleyError) this.connectError = error;
      },
    );
  }

  private handleConnected(connection: number, result: ConnectResult): void {
    clearTimeout(this.connectTimer);
    this.attempt = 0;
    this.clientId = result.client;
    const transport = this.choice.current!;
    const previous = this.connectedTransport;
    this.connectedTransport = transport;
    this.choice.succeeded();
    this.setState('connected');
    if (transport !== previous) this.emit('transport', { transport, previous });
    if (connection !== this.connection) return; // a listener disconnected
    this.emit('connected', { client: result.client, transport });
    if (this.currentState !== 'connected' || connection !== this.connection) return; // a listener disconnected
    this.liveness.start();
    if (result.expires !== undefined) this.refresher.schedule(result.expires);
    void this.resubscribe(connection);
  }

  /** Subscribes everything that waits, then lets the commands that waited go. */
  private async resubscribe(connection: number): Promise<void> {
    await Promise.all([...this.subs.values()].map((subscription) => subscription.handleConnected()));
    if (connection !== this.connection || this.currentState !== 'connected') return;
    this.isReady = true;
    this.commands.flush(this.write);
  }

  // ---- receiving ----

  private handleMessage(data: unknown): void {
    this.liveness.touch();
    let message: ServerMessage;
    try {
      message = JSON.parse(data as string) as ServerMessage;
      if (typeof data !== 'string' || message === null || typeof message !== 'object') throw new Error('not an object');
    } catch {
      this.connectionLost({ code: ClientCode.badMessage, reason: 'the server sent a message that is not a JSON object' }, true);
      return;
    }
    if (isPush(message)) this.subs.get(pushChannel(message))?.handlePush(message);
    else this.commands.settle(message);
  }

  private handleClose(code: number, reason: string): void {
    let reconnect = isTemporary(code);
    // An expired token is the one "don't reconnect" a getToken callback can fix.
    if (code === DisconnectCode.tokenExpired && this.options.getToken !== undefined) {
      this.token = undefined;
      reconnect = true;
    }
    const why = reason !== '' ? reason : (this.connectError?.message ?? 'connection closed');
    this.connectionLost({ code, reason: why }, reconnect);
  }

  // ---- losing the connection ----

  /** The current connection is over; reconnect with backoff, or stop when `reconnect` is false. */
  private connectionLost(reason: StateReason, reconnect: boolean): void {
    if (this.currentState === 'disconnected') return;
    const wasConnecting = this.currentState === 'connecting';
    const refusal = this.connectError;
    this.closeConnection(false, reason);
    if (!reconnect) {
      this.finish(reason);
      return;
    }
    this.setState('connecting', reason);
    // A failed attempt moves on to the next transport: at once while this round has one left.
    const retryInMs = this.attemptFailed(wasConnecting && this.choice.failed());
    if (!wasConnecting) return;
    // A failed attempt: the server's refusal of `connect` when there was one (e.g. 117
    // unavailable, closed with 3003), else what happened to the socket.
    this.emit('error', withRetry(
      refusal !== undefined
        ? { type: 'connect', error: refusal }
        : { type: 'transport', error: new Error(`connection attempt failed: ${reason.code} ${reason.reason}`) },
      retryInMs,
    ));
  }

  /** Schedules the next attempt, with backoff unless `now`; returns its delay (undefined when not connecting). */
  private attemptFailed(now = false): number | undefined {
    if (this.currentState !== 'connecting') return undefined;
    clearTimeout(this.reconnectTimer);
    const delay = now ? 0 : this.retryDelay(this.attempt++);
    this.reconnectTimer = setTimeout(() => void this.startAttempt(), delay);
    return delay;
  }

  /** The browser is back online: a client waiting out its backoff tries now. */
  private retryNow(): void {
    if (this.currentState !== 'connecting' || this.reconnectTimer === undefined) return;
    clearTimeout(this.reconnectTimer);
    void this.startAttempt();
  }

  /** Drops the socket and everything tied to it; subscriptions wait for the next connection. */
  private closeConnection(graceful: boolean, reason: StateReason = { code: ClientCode.disconnectCalled, reason: 'disconnect called' }): void {
    this.connection += 1;
    clearTimeout(this.connectTimer);
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.liveness.stop();
    this.refresher.stop();
    this.isReady = false;
    this.clientId = undefined;
    const socket = this.socket;
    this.socket = null;
    if (socket !== null) abandonSocket(socket, graceful);
    this.commands.failInFlight(() => VolleyError.client(ClientErrorCode.connectionClosed, 'the connection closed before the reply'));
    for (const subscription of this.subs.values()) subscription.handleConnectionLost(reason);
  }

  /** Enters `disconnected`: no more attempts, and waiting commands fail. */
  private finish(reason: StateReason): void {
    this.closeConnection(true, reason);
    this.stopWatchingOnline();
    this.stopWatchingOnline = () => {};
    this.commands.failWaiting(disconnectedError);
    this.setState('disconnected', reason);
  }

  // ---- helpers ----

  /** Sends on the current connection now (fails at once when there is none). */
  private sendNow<M extends Method>(method: M, params: CommandMap[M]['params'], timeoutMs?: number): Promise<CommandMap[M]['result']> {
    return this.commands.run(method, params, timeoutMs ?? this.options.timeoutMs, this.write);
  }

  /** An app's command: sent now when ready, else queued while connecting, refused when disconnected. */
  private request<M extends Method>(method: M, params: CommandMap[M]['params'], timeoutMs?: number): Promise<CommandMap[M]['result']> {
    if (this.currentState === 'disconnected') return Promise.reject(disconnectedError());
    return this.commands.run(method, params, timeoutMs ?? this.options.timeoutMs, this.isReady ? this.write : undefined);
  }

  private retryDelay(attempt: number): number {
    return backoffDelay(attempt, this.options.minReconnectDelayMs, this.options.maxReconnectDelayMs);
  }

  private setState(state: ClientState, reason?: StateReason): void {
    const oldState = this.currentState;
    if (oldState === state) return;
    this.currentState = state;
    this.emit('state', { oldState, newState: state });
    if (state === 'connecting') this.emit('connecting', reason!);
    else if (state === 'disconnected') this.emit('disconnected', reason!);
  }

  private subscriptionHost(): SubscriptionHost {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the host's getter needs the client
    const client = this;
    return {
      get isConnected() {
        return client.currentState === 'connected' && isOpen(client.socket);
      },
      send: (method, params, onResult) => this.commands.run(method, params, this.options.timeoutMs, this.write, onResult),
      retryDelay: (attempt) => this.retryDelay(attempt),
      reconnect: (reason) => this.connectionLost(reason, true),
      publish: (channel, data, options) => this.publish(channel, data, options),
      presence: (channel, timeoutMs) => this.presence(channel, timeoutMs),
      presenceStats: (channel, timeoutMs) => this.presenceStats(channel, timeoutMs),
      history: (channel, options) => this.history(channel, options),
    };
  }
}

function disconnectedError(): VolleyError {
  return VolleyError.client(ClientErrorCode.disconnected, 'the client is disconnected');
}

function withRetry(context: ErrorContext, retryInMs: number | undefined): ErrorContext {
  return retryInMs === undefined ? context : { ...context, retryInMs };
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
