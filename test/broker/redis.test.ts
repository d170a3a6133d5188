import { describe } from 'node:test';
import { brokerContract } from './contract.js';
import { RedisBroker } from '../../src/broker/redis/redis-broker.js';
import { REDIS_URL, serviceSkipReason, uniquePrefix } from '../cluster/engines.js';
import { removeRedisState } from '../cluster/redis-cleanup.js';

const skip = await serviceSkipReason('Redis', REDIS_URL);

if (skip !== undefined) {
  describe('broker contract: redis', { skip }, () => {});
} else {
  brokerContract('redis', async () => {
    // The broker's injectable clock lets the suite move time without sleeping; Redis
    // judges expiry by the `now` each node passes to its scripts.
    let time = Date.now();
    const prefix = uniquePrefix('contract');
    const brokers: RedisBroker[] = [];
    return {
      async nodes(count) {
        const created = await Promise.all(Array.from({ length: count }, () => RedisBroker.connect({ url: REDIS_URL, prefix, now: () => time })));
        brokers.push(...created);
        return created;
      },
      async advance(ms) {
        time += ms;
      },
      async close() {
        await Promise.all(brokers.map((broker) => broker.close()));
        await removeRedisState(REDIS_URL, prefix);
      },
    };
  });
}

