// Brokers on one engine for tests that run the same suite over memory, Redis and NATS: two
// nodes' broker pairs, and the networked engines as broker URLs. A networked engine that
// cannot be reached gives a skip reason instead (a failure with CI=true, as
// serviceSkipReason decides).
import type { Broker } from '../../src/broker/broker.js';
import { MemoryBroker } from '../../src/broker/memory.js';
import { MemoryEngine } from '../../src/broker/memory-engine.js';
import { NatsBroker } from '../../src/broker/nats/nats-broker.js';
import { RedisBroker } from '../../src/broker/redis/redis-broker.js';
import { NATS_URL, REDIS_URL, serviceSkipReason, uniquePrefix } from './engines.js';
import { removeNatsState } from './nats-cleanup.js';
import { removeRedisState } from './redis-cleanup.js';

export interface BrokerPair {
  brokers: [Broker, Broker];
  /** Closes both brokers and removes what the run left in the engine. */
  close(): Promise<void>;
}

export interface BrokerPairKind {
  name: 'memory' | 'redis' | 'nats';
  /** Set when the engine is not reachable: the suite is to be skipped with this reason. */
  skip: string | undefined;
  /** A fresh pair under a prefix of its own, named after `label`. */
  connect(label: string): Promise<BrokerPair>;
}

export async function brokerPairKinds(): Promise<BrokerPairKind[]> {
  return [
    {
      name: 'memory',
      skip: undefined,
      connect: async () => {
        const engine = new MemoryEngine();
        const brokers: [Broker, Broker] = [new MemoryBroker({ engine }), new MemoryBroker({ engine })];
        return { brokers, close: async () => void (await Promise.all(brokers.map((b) => b.close()))) };
      },
    },
    {
      name: 'redis',
      skip: await serviceSkipReason('Redis', REDIS_URL),
      connect: async (label) => {
        const prefix = uniquePrefix(label);
        const brokers: [Broker, Broker] = [await RedisBroker.connect({ url: REDIS_URL, prefix }), await RedisBroker.connect({ url: REDIS_URL, prefix })];
        return {
          brokers,
          close: async () => {
            await Promise.all(brokers.map((b) => b.close()));
            await removeRedisState(REDIS_URL, prefix);
          },
        };
      },
    },
    {
      name: 'nats',
      skip: await serviceSkipReason('NATS', NATS_URL),
      connect: async (label) => {
        const prefix = uniquePrefix(label);
        const brokers: [Broker, Broker] = [
          await NatsBroker.connect({ url: NATS_URL, prefix, storage: 'memory' }),
          await NatsBroker.connect({ url: NATS_URL, prefix, storage: 'memory' }),
        ];
        return {
          brokers,
          close: async () => {
            await Promise.all(brokers.map((b) => b.close()));
            await removeNatsState(NATS_URL, prefix);
          },
        };
      },
    },
  ];
}

/** The networked engines as broker URLs (for nodes started by URL), with their cleanup. */
export const NETWORKED_ENGINES = [
  { name: 'Redis', url: REDIS_URL, brokerUrl: (prefix: string) => `${REDIS_URL}?prefix=${prefix}`, cleanup: (prefix: string) => removeRedisState(REDIS_URL, prefix) },
  {
    name: 'NATS',
    url: NATS_URL,
    brokerUrl: (prefix: string) => `${NATS_URL}?prefix=${prefix}&storage=memory`,
    cleanup: (prefix: string) => removeNatsState(NATS_URL, prefix),
  },
] as const;
