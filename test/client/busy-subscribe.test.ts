// Subscribing to a channel that is being published to, through a networked engine: the
// hub buffers the publications made while the subscribe is under way and sends them right
// behind the reply, often in the same TCP chunk. None of them may be lost: the client
// must apply the reply before it reads the next message. (Before this was so, nearly
// every subscribe on a busy Redis channel silently lost its first one or two.)
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Broker } from '../../src/broker/broker.js';
import { NatsBroker } from '../../src/broker/nats/nats-broker.js';
import { RedisBroker } from '../../src/broker/redis/redis-broker.js';
import { Client } from '../../src/client/node.js';
import { NATS_URL, REDIS_URL, serviceSkipReason, uniquePrefix, waitFor } from '../cluster/engines.js';
import { removeNatsState } from '../cluster/nats-cleanup.js';
import { removeRedisState } from '../cluster/redis-cleanup.js';
import { mintToken, startServer } from './helpers.js';

const ROUNDS = 20;
/** Publications each round must see after its subscribe, with no gap. */
const SEEN_PER_ROUND = 10;

const engines = [
  {
    name: 'Redis',
    skip: await serviceSkipReason('Redis', REDIS_URL),
    connect: (prefix: string): Promise<Broker> => RedisBroker.connect({ url: REDIS_URL, prefix }),
    cleanup: (prefix: string) => removeRedisState(REDIS_URL, prefix),
  },
  {
    name: 'NATS',
    skip: await serviceSkipReason('NATS', NATS_URL),
    connect: (prefix: string): Promise<Broker> => NatsBroker.connect({ url: NATS_URL, prefix }),
    cleanup: (prefix: string) => removeNatsState(NATS_URL, prefix),
  },
];

for (const engine of engines) {
  describe(`subscribing to a busy channel (${engine.name})`, { skip: engine.skip }, () => {
    it(`${ROUNDS} subscribes while publishing: each one delivers every publication after its position, none lost`, async () => {
      const prefix = uniquePrefix('busy');
      const broker = await engine.connect(prefix);
      const t = await startServer({ broker });
      const client = new Client(t.url, { token: await mintToken('busy') });
      let publishing = true;
      let publisher: Promise<void> = Promise.resolve();
      try {
        client.connect();
        await client.ready();
        const channel = 'chat:busy';
        publisher = (async () => {
          for (let n = 1; publishing; n++) await t.server.publish(channel, n);
        })();
        for (let round = 0; round < ROUNDS; round++) {
          const sub = client.newSubscription<number>(channel);
          let start = -1;
          const offsets: number[] = [];
          sub.on('subscribed', ({ position }) => (start = position!.offset));
          sub.on('publication', ({ offset }) => offsets.push(offset!));
          sub.subscribe();
          await sub.ready();
          await waitFor(() => offsets.length >= SEEN_PER_ROUND, 30_000, `round ${round}: ${SEEN_PER_ROUND} publications`);
          const expected = offsets.map((_, i) => start + 1 + i);
          assert.deepEqual(offsets, expected, `round ${round}: every offset after ${start}, in order, none missing`);
          client.removeSubscription(sub);
        }
      } finally {
        publishing = false;
        await publisher;
        client.disconnect();
        await t.server.close();
        await broker.close();
        await engine.cleanup(prefix);
      }
    });
  });
}
