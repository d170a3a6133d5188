// Client options and their defaults; docs/client.md lists the same table.

import type { FetchLike } from './http-socket.js';
import type { EventSourceConstructor } from './sse-socket.js';
import { TRANSPORT_NAMES, type TransportName } from './transport-choice.js';
import type { WebSocketConstructor } from './transport.js';

export type OfflinePublishPolicy = 'queue' | 'reject';

export interface ClientOptions {
  /** Connection token (JWT). Default: none (anonymous, or fetched with `getToken`). */
  token?: string;
  /**
   * Fetches a fresh connection token: before the first connect when `token` is not given,
   * before the current one expires (sent with `refresh`), and after the server closed the
   * connection because the token expired. Default: none (no refresh).
   */
  getToken?: () => Promise<string>;
  /** Client name sent with `connect`, shown in server logs. Default 'volley-js'. */
  name?: string;
  /** WebSocket constructor. Default: globalThis.WebSocket (the Node entry injects volley/ws). */
  WebSocket?: WebSocketConstructor;
  /** Time allowed for a command's reply, and for opening + connecting. Default 10000 ms. */
  timeoutMs?: number;
  /** First backoff ceiling; a delay is uniform in [0, ceiling). Default 500 ms. */
  minReconnectDelayMs?: number;
  /** Largest backoff ceiling; it doubles per failed attempt up to this. Default 20000 ms. */
  maxReconnectDelayMs?: number;
  /** Silence after which the client sends a `ping`; 0 disables the liveness check. Default 25000 ms. */
  pingIntervalMs?: number;
  /** Further silence after which the connection is declared dead and replaced. Default 10000 ms. */
  pongTimeoutMs?: number;
  /** Refresh the token this long before it expires (at most half its remaining life). Default 60000 ms. */
  refreshBeforeMs?: number;
  /** Publishes made while not connected: wait in the queue, or fail at once. Default 'queue'. */
  offlinePublishes?: OfflinePublishPolicy;
  /** Commands that may wait for a connection at once; more are rejected. Default 100. */
  offlineQueueSize?: number;
  /**
   * The transports to try, in order (docs/transports.md). An attempt that fails or stalls
   * moves to the next; the one that connects is remembered and tried first next time.
   * Default ['websocket', 'http-stream', 'sse', 'long-polling'].
   */
  transports?: TransportName[];
  /**
   * How long an attempt may take to open and connect before the next transport is tried
   * (when there is another). Default 5000 ms (never longer than `timeoutMs`).
   */
  transportTimeoutMs?: number;
  /** Remember the transport that worked (localStorage in browsers, else memory). Default true. */
  rememberTransport?: boolean;
  /**
   * Where the HTTP transports live. Default: derived from the URL (`wss://h/connection/websocket`
   * → `https://h/connection/`, then `sse`, `stream`, `poll`, `send`).
   */
  httpUrl?: string;
  /** fetch for the HTTP transports. Default: globalThis.fetch. */
  fetch?: FetchLike;
  /** EventSource for 'sse'. Default: globalThis.EventSource; without one (Node 20) SSE is read with fetch. */
  EventSource?: EventSourceConstructor;
}

export interface ResolvedClientOptions {
  token: string | undefined;
  getToken: (() => Promise<string>) | undefined;
  name: string;
  WebSocket: WebSocketConstructor | undefined;
  timeoutMs: number;
  minReconnectDelayMs: number;
  maxReconnectDelayMs: number;
  pingIntervalMs: number;
  pongTimeoutMs: number;
  refreshBeforeMs: number;
  offlinePublishes: OfflinePublishPolicy;
  offlineQueueSize: number;
  transports: TransportName[];
  transportTimeoutMs: number;
  rememberTransport: boolean;
  httpUrl: string | undefined;
  fetch: FetchLike | undefined;
  EventSource: EventSourceConstructor | undefined;
}

export const CLIENT_DEFAULTS = {
  name: 'volley-js',
  timeoutMs: 10_000,
  minReconnectDelayMs: 500,
  maxReconnectDelayMs: 20_000,
  pingIntervalMs: 25_000,
  pongTimeoutMs: 10_000,
  refreshBeforeMs: 60_000,
  offlinePublishes: 'queue',
  offlineQueueSize: 100,
  transports: TRANSPORT_NAMES,
  transportTimeoutMs: 5000,
  rememberTransport: true,
} as const;

export function resolveClientOptions(options: ClientOptions): ResolvedClientOptions {
  const resolved: ResolvedClientOptions = {
    token: options.token,
    getToken: options.getToken,
    name: options.name ?? CLIENT_DEFAULTS.name,
    WebSocket: options.WebSocket,
    timeoutMs: options.timeoutMs ?? CLIENT_DEFAULTS.timeoutMs,
    minReconnectDelayMs: options.minReconnectDelayMs ?? CLIENT_DEFAULTS.minReconnectDelayMs,
    maxReconnectDelayMs: options.maxReconnectDelayMs ?? CLIENT_DEFAULTS.maxReconnectDelayMs,
    pingIntervalMs: options.pingIntervalMs ?? CLIENT_DEFAULTS.pingIntervalMs,
    pongTimeoutMs: options.pongTimeoutMs ?? CLIENT_DEFAULTS.pongTimeoutMs,
    refreshBeforeMs: options.refreshBeforeMs ?? CLIENT_DEFAULTS.refreshBeforeMs,
    offlinePublishes: options.offlinePublishes ?? CLIENT_DEFAULTS.offlinePublishes,
    offlineQueueSize: options.offlineQueueSize ?? CLIENT_DEFAULTS.offlineQueueSize,
    transports: [...(options.transports ?? CLIENT_DEFAULTS.transports)],
    transportTimeoutMs: options.transportTimeoutMs ?? CLIENT_DEFAULTS.transportTimeoutMs,
    rememberTransport: options.rememberTransport ?? CLIENT_DEFAULTS.rememberTransport,
    httpUrl: options.httpUrl,
    fetch: options.fetch,
    EventSource: options.EventSource,
  };
  for (const key of ['timeoutMs', 'minReconnectDelayMs', 'maxReconnectDelayMs', 'transportTimeoutMs'] as const) {
    if (!(resolved[key] > 0)) throw new TypeError(`${key} must be a number > 0`);
  }
  for (const key of ['pingIntervalMs', 'pongTimeoutMs', 'refreshBeforeMs', 'offlineQueueSize'] as const) {
    if (!(resolved[key] >= 0)) throw new TypeError(`${key} must be a number >= 0`);
  }
  if (resolved.maxReconnectDelayMs < resolved.minReconnectDelayMs) {
    throw new TypeError('maxReconnectDelayMs must be >= minReconnectDelayMs');
  }
  if (resolved.offlinePublishes !== 'queue' && resolved.offlinePublishes !== 'reject') {
    throw new TypeError("offlinePublishes must be 'queue' or 'reject'");
  }
  const { transports } = resolved;
  if (transports.length === 0 || transports.some((name, i) => !TRANSPORT_NAMES.includes(name) || transports.indexOf(name) !== i)) {
    throw new TypeError(`transports must list some of ${TRANSPORT_NAMES.join(', ')}, each once`);
  }
  return resolved;
}
