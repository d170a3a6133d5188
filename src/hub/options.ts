// Hub options and their defaults; docs/server.md lists the same table.

import type { Broker } from '../broker/broker.js';
import type { AuthOptions } from './auth.js';
import { withoutUndefined, type NamespaceOptions } from './namespaces.js';

export interface HubLimits {
  /** Largest command frame in bytes; a larger one closes the connection (3504). Default 65536. */
  maxMessageSize?: number;
  /** Largest JSON-encoded `data` of a publish command in bytes (error 112). Default 65536. */
  maxPublicationSize?: number;
  /** Channels one connection may be subscribed to at once (error 106). Default 128. */
  maxChannelsPerConnection?: number;
  /** Publishes per second per connection, sustained (error 111). Default 20. */
  publishRate?: number;
  /** Publishes one connection may burst before the rate applies. Default 40. */
  publishBurst?: number;
  /**
   * Commands other than publish (subscribe, history, presence, rpc, ping, …) per second per
   * connection, sustained (error 111). Default 100.
   */
  commandRate?: number;
  /**
   * Such commands one connection may burst before the rate applies; room for a reconnect
   * that subscribes to maxChannelsPerConnection channels at once. Default 200.
   */
  commandBurst?: number;
  /**
   * Commands of one connection being handled at once (waiting for the broker, a store, an
   * rpc handler or a connect in flight); one more is answered with error 111 at once, so a
   * client that pipelines against a stalled engine holds a bounded amount of memory. Default 256.
   */
  maxPendingCommands?: number;
  /** A session whose bufferedAmount passes this many bytes is closed (3002). Default 4 MiB. */
  highWaterMark?: number;
  /**
   * Deepest nesting of arrays and objects in a command, an HTTP API body or publication
   * data (error 107, HTTP 400). A command's own envelope counts two levels. Default 64.
   */
  maxJsonDepth?: number;
}

export interface HubOptions {
  /**
   * Fan-out between nodes. The Hub requires one and never closes it (whoever made it
   * does); VolleyServer makes a MemoryBroker when none is given.
   */
  broker?: Broker;
  /** JWT verification; without it only anonymous connections exist. Default: none. */
  auth?: AuthOptions;
  /** Accept connections without a token (user ''). Default false. */
  allowAnonymous?: boolean;
  /** Options of channels without a namespace prefix. Default: NAMESPACE_DEFAULTS. */
  channels?: NamespaceOptions;
  /** Namespaces by name (`chat` for `chat:*`); other prefixes are unknown channels. Default {}. */
  namespaces?: Record<string, NamespaceOptions>;
  limits?: HubLimits;
  /** A connection that sends no connect command within this time is closed (3001). Default 10000. */
  connectTimeoutMs?: number;
  /** Lifetime of a presence entry; the node refreshes it every third of this. Default 60000. */
  presenceTtlMs?: number;
  /** Period of the shared sweep (token expiry, connect timeout, presence refresh); 0 disables the timer. Default 1000. */
  sweepIntervalMs?: number;
  /** Clock in milliseconds since the epoch; tests inject a fake one. Default Date.now. */
  now?: () => number;
}

export interface ResolvedHubOptions {
  allowAnonymous: boolean;
  limits: Readonly<Required<HubLimits>>;
  connectTimeoutMs: number;
  presenceTtlMs: number;
  sweepIntervalMs: number;
  now: () => number;
}

export const LIMIT_DEFAULTS: Readonly<Required<HubLimits>> = {
  maxMessageSize: 65_536,
  maxPublicationSize: 65_536,
  maxChannelsPerConnection: 128,
  publishRate: 20,
  publishBurst: 40,
  commandRate: 100,
  commandBurst: 200,
  maxPendingCommands: 256,
  highWaterMark: 4 * 1024 * 1024,
  maxJsonDepth: 64,
};

export function resolveHubOptions(options: HubOptions): ResolvedHubOptions {
  const limits = { ...LIMIT_DEFAULTS, ...withoutUndefined(options.limits ?? {}) };
  for (const [name, value] of Object.entries(limits)) {
    if (!(typeof value === 'number' && value > 0)) throw new TypeError(`limits.${name} must be a number > 0`);
  }
  const resolved: ResolvedHubOptions = {
    allowAnonymous: options.allowAnonymous ?? false,
    limits: Object.freeze(limits),
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    presenceTtlMs: options.presenceTtlMs ?? 60_000,
    sweepIntervalMs: options.sweepIntervalMs ?? 1_000,
    now: options.now ?? Date.now,
  };
  if (!(resolved.connectTimeoutMs > 0)) throw new TypeError('connectTimeoutMs must be > 0');
  if (!(resolved.presenceTtlMs > 0)) throw new TypeError('presenceTtlMs must be > 0');
  if (!(resolved.sweepIntervalMs >= 0)) throw new TypeError('sweepIntervalMs must be >= 0');
  if (!Number.isInteger(limits.maxJsonDepth)) throw new TypeError('limits.maxJsonDepth must be an integer > 0');
  return resolved;
}
