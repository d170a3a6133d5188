// The events of a client and of a subscription, and what each one carries.

import type { ClientInfo, StreamPosition } from '../wire/index.js';
import type { VolleyError } from './errors.js';
import type { TransportName } from './transport-choice.js';

export type ClientState = 'disconnected' | 'connecting' | 'connected';
export type SubscriptionState = 'unsubscribed' | 'subscribing' | 'subscribed';

/**
 * Why a state was entered. `code` is a WebSocket close code when the connection closed
 * (the server's, see docs/protocol.md, or 1006 when it broke), a wire error code (100+)
 * when a command was refused, or a ClientCode (below 100) when the client decided.
 */
export interface StateReason {
  code: number;
  reason: string;
}

export interface StateChange<S> {
  oldState: S;
  newState: S;
}

export interface ConnectedContext {
  /** The connection id the server gave (as in presence and publication info). */
  client: string;
  /** How this connection reaches the server (the `transports` option says what may be tried). */
  transport: TransportName;
}

/** The transport in use changed (also on the first connect, with `previous` undefined). */
export interface TransportChange {
  transport: TransportName;
  previous: TransportName | undefined;
}

export interface ErrorContext {
  /**
   * What failed: opening the socket or the connection breaking while connecting
   * (`transport`), the server refusing `connect` (`connect`, with the server's error code),
   * fetching a token, a token refresh, a subscribe.
   */
  type: 'transport' | 'connect' | 'token' | 'refresh' | 'subscribe';
  error: VolleyError | Error;
  /**
   * Present when the client tries again by itself: the backoff delay before the next
   * attempt (a reconnect, or a subscribe refused with a temporary error). Absent when the
   * error ended something, or the next attempt waits for a new connection.
   */
  retryInMs?: number;
}

export interface ClientEvents {
  state: StateChange<ClientState>;
  connecting: StateReason;
  connected: ConnectedContext;
  transport: TransportChange;
  disconnected: StateReason;
  error: ErrorContext;
}

export interface SubscribedContext {
  channel: string;
  /** The channel keeps history: positions mean something and recovery is possible. */
  recoverable: boolean;
  /** A position was sent to recover from (a resubscribe, or the `since` option). */
  wasRecovering: boolean;
  /**
   * True when everything missed since that position follows as publications, exactly once.
   * False after a resubscribe means a gap: reload the state from your own source or history.
   */
  recovered: boolean;
  /** The stream position now, on recoverable channels. */
  position?: StreamPosition;
}

export interface PublicationContext<T> {
  channel: string;
  data: T;
  /** Position in the stream, on channels with history. */
  offset?: number;
  /** The publishing client; absent for publications made by the server. */
  info?: ClientInfo;
}

export interface PresenceContext {
  channel: string;
  info: ClientInfo;
}

export interface SubscriptionEvents<T> {
  state: StateChange<SubscriptionState>;
  subscribing: StateReason;
  subscribed: SubscribedContext;
  unsubscribed: StateReason;
  publication: PublicationContext<T>;
  join: PresenceContext;
  leave: PresenceContext;
  error: ErrorContext;
}
