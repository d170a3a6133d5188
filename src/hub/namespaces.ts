// Per-namespace channel behaviour. A channel's namespace is the part of its name before
// the first ':'; channels without one use the default namespace.

import type { HistoryRetention } from '../broker/broker.js';
import { HubError } from './errors.js';

/** Who may publish into a channel from a client connection. */
export type PublishPolicy = 'subscribers' | 'authenticated' | 'server';

export interface NamespaceOptions {
  /** Keep presence (who is subscribed). Default false. */
  presence?: boolean;
  /** Push join and leave events to subscribers. Default false. */
  joinLeave?: boolean;
  /** Publications kept for history and recovery; 0 keeps none. Default 0. */
  historySize?: number;
  /** Publications are dropped this long after the last one. Default 600000 (10 min). */
  historyTtlMs?: number;
  /** The stream's epoch and offset are kept this long after the last use. Default 2592000000 (30 days). */
  historyMetaTtlMs?: number;
  /** Who may publish from a client connection. Default 'subscribers'. */
  publish?: PublishPolicy;
  /** Anonymous connections (when allowed at all) may subscribe. Default true. */
  allowAnonymous?: boolean;
  /**
   * A client's publication carries its publisher's ClientInfo (`info`) in pushes, history
   * and recovery. Off, the info is not stored nor sent (publish interceptors still see it),
   * which keeps a push to its channel name and data. Default false.
   */
  publisherInfo?: boolean;
}

export type ResolvedNamespace = Readonly<Required<NamespaceOptions>>;

export const NAMESPACE_DEFAULTS: ResolvedNamespace = {
  presence: false,
  joinLeave: false,
  historySize: 0,
  historyTtlMs: 600_000,
  historyMetaTtlMs: 2_592_000_000,
  publish: 'subscribers',
  allowAnonymous: true,
  publisherInfo: false,
};

const NAMESPACE_NAME = /^[A-Za-z0-9_-]+$/;

/** The broker retention of a namespace, or undefined when it keeps no history. */
export function retentionOf(options: ResolvedNamespace): HistoryRetention | undefined {
  if (options.historySize === 0) return undefined;
  return { size: options.historySize, ttlMs: options.historyTtlMs, metaTtlMs: options.historyMetaTtlMs };
}

export class Namespaces {
  private readonly byName = new Map<string, ResolvedNamespace>();

  constructor(defaults: NamespaceOptions = {}, namespaces: Record<string, NamespaceOptions> = {}) {
    this.byName.set('', resolve(defaults));
    for (const [name, options] of Object.entries(namespaces)) {
      if (!NAMESPACE_NAME.test(name)) throw new TypeError(`invalid namespace name: ${JSON.stringify(name)}`);
      this.byName.set(name, resolve(options));
    }
  }

  /** The options of a namespace; an unknown namespace is the client's error. */
  get(namespace: string): ResolvedNamespace {
    const options = this.byName.get(namespace);
    if (options === undefined) throw new HubError('unknownChannel', `unknown namespace "${namespace}"`);
    return options;
  }
}

function resolve(options: NamespaceOptions): ResolvedNamespace {
  const resolved = { ...NAMESPACE_DEFAULTS, ...withoutUndefined(options) };
  if (!Number.isInteger(resolved.historySize) || resolved.historySize < 0) throw new TypeError('historySize must be an integer >= 0');
  if (!(resolved.historyTtlMs > 0)) throw new TypeError('historyTtlMs must be > 0');
  if (!(resolved.historyMetaTtlMs >= resolved.historyTtlMs)) throw new TypeError('historyMetaTtlMs must be >= historyTtlMs');
  if (!['subscribers', 'authenticated', 'server'].includes(resolved.publish)) throw new TypeError(`invalid publish policy: ${resolved.publish}`);
  return Object.freeze(resolved);
}

export function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
