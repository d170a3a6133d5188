// A subscription to one channel: its own state machine, its stream position, and the
// recovery that makes a resubscribe deliver every missed publication exactly once.

import {
  type CommandMap, type HistoryDirection, type Method, type Publication, type PresenceResult,
  type PresenceStatsResult, type Push, type StreamPosition, type SubscribeParams, type SubscribeResult,
} from '../wire/index.js';
import { publicationValue } from './binary.js';
import { ClientCode, ClientErrorCode } from './codes.js';
import { Emitter } from './emitter.js';
import { VolleyError } from './errors.js';
import type { StateReason, SubscriptionEvents, SubscriptionState } from './events.js';
import { unrefTimer } from './liveness.js';
import { subscribeFailureAction } from './subscribe-failure.js';

export interface SubscriptionOptions {
  /** Subscription token, for private (`$`) channels. Default: none. */
  token?: string;
  /** Fetches a subscription token when none is held or the held one expired. Default: none. */
  getToken?: (channel: string) => Promise<string>;
  /** Recover from this position on the first subscribe (e.g. one saved across page loads). Default: none. */
  since?: StreamPosition;
}

export interface PublishOptions {
  /** Do not deliver this publication back to this connection. Default false. */
  excludeSelf?: boolean;
  /** Overrides the client's `timeoutMs` for this call. */
  timeoutMs?: number;
}

export interface HistoryOptions {
  /** Most publications to return; omitted: all kept; 0: the position only. */
  limit?: number;
  since?: StreamPosition;
  /** 'forward' (default): oldest first, after `since`. 'backward': newest first. */
  direction?: HistoryDirection;
  timeoutMs?: number;
}

export interface TypedPublication<T> extends Publication {
  data: T;
}

export interface TypedHistoryResult<T> {
  publications: Array<TypedPublication<T>>;
  offset: number;
  epoch: string;
}

/** What a subscription needs from its client; the client builds it, apps never see it. */
export interface SubscriptionHost {
  readonly isConnected: boolean;
  /** Sends a command on the current connection at once; `onResult` as in Commands.run. */
  send<M extends Method>(
    method: M, params: CommandMap[M]['params'], onResult?: (result: CommandMap[M]['result']) => void,
  ): Promise<CommandMap[M]['result']>;
  retryDelay(attempt: number): number;
  /** Replaces the connection, so that client and server agree on subscriptions again. */
  reconnect(reason: StateReason): void;
  publish(channel: string, data: unknown, options?: PublishOptions): Promise<CommandMap['publish']['result']>;
  presence(channel: string, timeoutMs?: number): Promise<PresenceResult>;
  presenceStats(channel: string, timeoutMs?: number): Promise<PresenceStatsResult>;
  history(channel: string, options?: HistoryOptions): Promise<TypedHistoryResult<unknown>>;
}

export class Subscription<T = unknown> extends Emitter<SubscriptionEvents<T>> {
  private currentState: SubscriptionState = 'unsubscribed';
  private streamPosition: StreamPosition | undefined;
  private isRecoverable = false;
  private token: string | undefined;
  private attempt = 0;
  /** Bumped whenever a subscribe under way stops mattering (unsubscribe, connection lost). */
  private generation = 0;
  private subscribeInFlight = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private lastUnsubscribed: StateReason = { code: ClientCode.unsubscribeCalled, reason: 'not subscribed yet' };

  constructor(
    readonly channel: string,
    private readonly host: SubscriptionHost,
    private readonly options: SubscriptionOptions = {},
  ) {
    super();
    this.token = options.token;
    if (options.since !== undefined) this.streamPosition = { ...options.since };
  }

  get state(): SubscriptionState {
    return this.currentState;
  }

  /** The last position delivered, on recoverable channels; save it to resume later with `since`. */
  get position(): StreamPosition | undefined {
    return this.streamPosition === undefined ? undefined : { ...this.streamPosition };
  }

  /** Whether the channel keeps history (known once subscribed). */
  get recoverable(): boolean {
    return this.isRecoverable;
  }

  /** Starts subscribing; while the client is not connected, it subscribes once it is. */
  subscribe(): void {
    if (this.currentState !== 'unsubscribed') return;
    this.setState('subscribing', { code: ClientCode.subscribeCalled, reason: 'subscribe called' });
    if (this.host.isConnected) void this.sendSubscribe();
  }

  /** Stops the subscription; the position is forgotten, a later subscribe starts afresh. */
  unsubscribe(): void {
    if (this.currentState === 'unsubscribed') return;
    const serverKnows = this.currentState === 'subscribed' || this.subscribeInFlight;
    this.cancelAttempt();
    this.streamPosition = undefined;
    this.attempt = 0;
    this.setState('unsubscribed', { code: ClientCode.unsubscribeCalled, reason: 'unsubscribe called' });
    if (serverKnows && this.host.isConnected) this.host.send('unsubscribe', { channel: this.channel }).catch(() => {});
  }

  /** Resolves once subscribed; rejects if the subscription ends first. */
  ready(): Promise<void> {
    if (this.currentState === 'subscribed') return Promise.resolve();
    if (this.currentState === 'unsubscribed') return Promise.reject(unsubscribedError(this.lastUnsubscribed));
    return new Promise((resolve, reject) => {
      const offSubscribed = this.once('subscribed', () => {
        offUnsubscribed();
        resolve();
      });
      const offUnsubscribed = this.once('unsubscribed', (reason) => {
        offSubscribed();
        reject(unsubscribedError(reason));
      });
    });
  }

  publish(data: T, options?: PublishOptions): Promise<CommandMap['publish']['result']> {
    return this.host.publish(this.channel, data, options);
  }

  presence(timeoutMs?: number): Promise<PresenceResult> {
    return this.host.presence(this.channel, timeoutMs);
  }

  presenceStats(timeoutMs?: number): Promise<PresenceStatsResult> {
    return this.host.presenceStats(this.channel, timeoutMs);
  }

  history(options?: HistoryOptions): Promise<TypedHistoryResult<T>> {
    return this.host.history(this.channel, options) as Promise<TypedHistoryResult<T>>;
  }

  /** @internal The client is connected: (re)subscribe. Settles when the attempt has. */
  handleConnected(): Promise<void> {
    if (this.currentState !== 'subscribing' || this.subscribeInFlight || this.retryTimer !== undefined) return Promise.resolve();
    return this.sendSubscribe();
  }

  /** @internal The connection is gone; an active subscription waits for the next one. */
  handleConnectionLost(reason: StateReason): void {
    this.cancelAttempt();
    if (this.currentState === 'subscribed') this.setState('subscribing', reason);
  }

  /** @internal A push for this channel. */
  handlePush(push: Push): void {
    if (this.currentState !== 'subscribed') return;
    if ('pub' in push) this.deliver(push);
    else if (push.push === 'gap') this.resubscribe();
    else this.emit(push.push, { channel: this.channel, info: push.info });
  }

  /**
   * The server lost publications of the channel on their way to it: unsubscribe, then
   * subscribe again from the position, so that what history still holds is recovered, or
   * `subscribed` says `recovered: false`. Every subscriber of the channel on that node hears
   * of the loss at once: the subscribe waits a first backoff delay (full jitter under
   * minReconnectDelayMs) so that their history reads are spread out.
   */
  private resubscribe(): void {
    this.cancelAttempt();
    this.setState('subscribing', { code: ClientCode.publicationsLost, reason: 'publications were lost on their way to the server' });
    this.host.send('unsubscribe', { channel: this.channel }).catch(() => {});
    this.retryLater();
  }

  private async sendSubscribe(): Promise<void> {
    const generation = ++this.generation;
    this.subscribeInFlight = true;
    const since = this.streamPosition === undefined ? undefined : { ...this.streamPosition };
    try {
      const params: SubscribeParams = { channel: this.channel };
      const token = await this.subscriptionToken();
      if (generation !== this.generation) return;
      if (token !== undefined) params.token = token;
      if (since !== undefined) params.since = since;
      // Applied as the reply is read, not a microtask later: the pushes right behind it
      // (often in the same chunk) must find the subscription subscribed, or they are lost.
      // Applied once: by `onResult`, or when the promise resolves if the host did not call it.
      const apply = (result: SubscribeResult): void => {
        if (generation !== this.generation || !this.subscribeInFlight) return;
        this.subscribeInFlight = false;
        this.applyResult(result, since);
      };
      apply(await this.host.send('subscribe', params, apply));
    } catch (error) {
      if (generation !== this.generation) return;
      this.subscribeInFlight = false;
      this.handleFailure(error);
    }
  }

  private async subscriptionToken(): Promise<string | undefined> {
    if (this.token !== undefined || this.options.getToken === undefined) return this.token;
    let token: unknown;
    try {
      token = await this.options.getToken(this.channel);
    } catch (error) {
      throw VolleyError.client(ClientErrorCode.tokenError, `getToken failed: ${String(error)}`);
    }
    if (typeof token !== 'string' || token === '') throw VolleyError.client(ClientErrorCode.tokenError, 'getToken returned no token');
    this.token = token;
    return token;
  }

  private applyResult(result: SubscribeResult, since: StreamPosition | undefined): void {
    this.attempt = 0;
    this.isRecoverable = result.recoverable;
    // A position taken before the channel had a stream (epoch '') matches the stream that
    // began since: the server recovers its first publications.
    const recovered = since !== undefined && result.recovered === true && (since.epoch === '' || since.epoch === result.epoch);
    const now = result.epoch !== undefined && result.offset !== undefined ? { epoch: result.epoch, offset: result.offset } : undefined;
    // Recovered: keep the old position so the missed publications pass the duplicate
    // check in order, then move to the stream's position. Otherwise start from it.
    if (!recovered) this.streamPosition = now;
    else if (this.streamPosition !== undefined && now !== undefined) this.streamPosition.epoch = now.epoch;
    this.setState('subscribed');
    this.emit('subscribed', {
      channel: this.channel,
      recoverable: result.recoverable,
      wasRecovering: since !== undefined,
      recovered,
      ...(now === undefined ? {} : { position: { ...now } }),
    });
    if (!recovered) return;
    for (const publication of result.publications ?? []) this.deliver(publication);
    if (this.currentState === 'subscribed' && this.streamPosition !== undefined && now !== undefined) {
      this.streamPosition = { epoch: now.epoch, offset: Math.max(this.streamPosition.offset, now.offset) };
    }
  }

  /** Delivers a publication unless its offset was delivered already. */
  private deliver(publication: Publication): void {
    if (this.currentState !== 'subscribed') return;
    const { offset, epoch } = publication;
    if (offset !== undefined && this.streamPosition !== undefined) {
      if (epoch !== undefined && epoch !== this.streamPosition.epoch) {
        // The first publication of a stream names its epoch: of the channel's first stream
        // (subscribing before it existed gave ''), or of a new one after the old was lost
        // (an engine that lost its data). Its offsets start again at 1: follow it.
        this.streamPosition = { epoch, offset };
      } else {
        if (offset <= this.streamPosition.offset) return;
        this.streamPosition.offset = offset;
      }
    }
    this.emit('publication', {
      channel: this.channel,
      data: publicationValue(publication) as T,
      ...(offset === undefined ? {} : { offset }),
      ...(publication.info === undefined ? {} : { info: publication.info }),
    });
  }

  private handleFailure(error: unknown): void {
    const failure = error instanceof VolleyError ? error : VolleyError.client(ClientErrorCode.tokenError, String(error));
    const action = subscribeFailureAction(failure.code, this.options.getToken !== undefined);
    switch (action) {
      case 'awaitConnection':
        return;
      case 'reconnect':
        this.emit('error', { type: 'subscribe', error: failure });
        this.host.reconnect({ code: ClientCode.subscribeTimeout, reason: `subscribe to ${this.channel} timed out` });
        return;
      case 'retryWithNewToken':
      case 'retry': {
        if (action === 'retryWithNewToken') this.token = undefined;
        // Still `subscribing`: the app hears of the refusal and of when the next try is.
        const retryInMs = this.retryLater();
        this.emit('error', { type: 'subscribe', error: failure, retryInMs });
        return;
      }
      case 'end':
        this.emit('error', { type: 'subscribe', error: failure });
        this.streamPosition = undefined;
        this.attempt = 0;
        this.setState('unsubscribed', { code: failure.code, reason: failure.message });
    }
  }

  /**
   * Subscribes again after a backoff delay (the client's reconnect rule: full jitter under
   * a ceiling that doubles up to maxReconnectDelayMs). One timer per subscription: a new
   * one replaces any pending. If the connection is gone when it fires, the next connection
   * resubscribes instead. Returns the delay.
   */
  private retryLater(): number {
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    const generation = this.generation;
    const delay = this.host.retryDelay(this.attempt++);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (generation === this.generation && this.currentState === 'subscribing' && this.host.isConnected) void this.sendSubscribe();
    }, delay);
    unrefTimer(this.retryTimer);
    return delay;
  }

  private cancelAttempt(): void {
    this.generation += 1;
    this.subscribeInFlight = false;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private setState(state: SubscriptionState, reason?: StateReason): void {
    const oldState = this.currentState;
    if (oldState === state) return;
    this.currentState = state;
    if (state === 'unsubscribed') this.lastUnsubscribed = reason!;
    this.emit('state', { oldState, newState: state });
    if (state === 'subscribing') this.emit('subscribing', reason!);
    else if (state === 'unsubscribed') this.emit('unsubscribed', reason!);
  }
}

/** The error `ready()` rejects with: the code and reason the subscription ended with. */
function unsubscribedError({ code, reason }: StateReason): VolleyError {
  return new VolleyError(code, 'unsubscribed', reason);
}
