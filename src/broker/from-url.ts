// brokerFromUrl: the broker a URL names, as `volley serve --broker URL` takes it.
//
//   memory                      the in-process MemoryBroker (one node, no network)
//   redis://host:6379           RedisBroker (rediss:// for TLS; user:password@ allowed)
//   nats://host:4222            NatsBroker (several servers: nats://a:4222,nats://b:4222)
//
// Query parameters: `prefix` (keys/subjects of one cluster; default 'volley') for both,
// `storage=memory|file` for NATS. ioredis and nats are imported only when their scheme
// is used. An engine that cannot be reached fails here, with the URL in the message.

import type { Broker } from './broker.js';
import { MemoryBroker } from './memory.js';

export interface BrokerFromUrlOptions {
  /** Clock for expiry (tests). Default Date.now. */
  now?: () => number;
  /** Connection errors after start; the broker reconnects by itself. Default: ignored. */
  onError?: (error: Error) => void;
  /** How long to wait for the engine at start. Default 5000. */
  connectTimeoutMs?: number;
}

export async function brokerFromUrl(url: string, options: BrokerFromUrlOptions = {}): Promise<Broker> {
  const trimmed = url.trim();
  if (trimmed === 'memory' || trimmed === 'memory://') {
    return new MemoryBroker(options.now === undefined ? {} : { now: options.now });
  }
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    throw new TypeError(`invalid broker URL ${JSON.stringify(url)}: expected memory, redis://… or nats://…`);
  }
  const prefix = parsed.searchParams.get('prefix') ?? undefined;
  const common = {
    ...(prefix === undefined ? {} : { prefix }),
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.onError === undefined ? {} : { onError: options.onError }),
    ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
  };
  switch (parsed.protocol) {
    case 'redis:':
    case 'rediss:': {
      const { RedisBroker } = await import('./redis/redis-broker.js');
      return RedisBroker.connect({ ...common, url: withoutQuery(trimmed) });
    }
    case 'nats:':
    case 'tls:': {
      const storage = parsed.searchParams.get('storage');
      if (storage !== null && storage !== 'file' && storage !== 'memory') {
        throw new TypeError(`invalid storage ${JSON.stringify(storage)} in broker URL: expected file or memory`);
      }
      const { NatsBroker } = await import('./nats/nats-broker.js');
      return NatsBroker.connect({ ...common, url: withoutQuery(trimmed), ...(storage === null ? {} : { storage }) });
    }
    default:
      throw new TypeError(`unsupported broker URL scheme ${JSON.stringify(parsed.protocol)}: expected memory, redis://… or nats://…`);
  }
}

function withoutQuery(url: string): string {
  const index = url.indexOf('?');
  return index === -1 ? url : url.slice(0, index);
}
