// Client options and their defaults; docs/client.md lists the same table.

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
  };
  for (const key of ['timeoutMs', 'minReconnectDelayMs', 'maxReconnectDelayMs'] as const) {
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
  return resolved;
}
