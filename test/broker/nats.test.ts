import { describe } from 'node:test';
import { brokerContract } from './contract.js';
import { NatsBroker } from '../../src/broker/nats/nats-broker.js';
import { NATS_URL, serviceSkipReason, uniquePrefix } from '../cluster/engines.js';
import { removeNatsState } from '../cluster/nats-cleanup.js';

const skip = await serviceSkipReason('NATS', NATS_URL);

if (skip !== undefined) {
  describe('broker contract: nats', { skip }, () => {});
} else {
  brokerContract('nats', async () => {
    // Expiry is judged with the broker's clock, so the suite moves time without sleeping.
    let time = Date.now();
    const prefix = uniquePrefix('contract');
    const brokers: NatsBroker[] = [];
    return {
      async nodes(count) {
        const created = await Promise.all(
          Array.from({ length: count }, () => NatsBroker.connect({ url: NATS_URL, prefix, now: () => time, storage: 'memory' })),
        );
        brokers.push(...created);
        return created;
      },
      async advance(ms) {
        time += ms;
      },
      async close() {
        await Promise.all(brokers.map((broker) => broker.close()));
        await removeNatsState(NATS_URL, prefix);
      },
    };
  });
}
