// NodeLink: node-to-node requests and messages over a Broker, with two memory nodes on one
// engine and, when they answer, the machine's Redis and NATS.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Broker } from '../../../src/broker/broker.js';
import { inboxOf, NodeLink, NodeLinkError } from '../../../src/broker/cluster/node-link.js';
import { MemoryBroker } from '../../../src/broker/memory.js';
import { MemoryEngine } from '../../../src/broker/memory-engine.js';
import { RedisBroker } from '../../../src/broker/redis/redis-broker.js';
import { parseChannelName } from '../../../src/hub/channel-name.js';
import { NatsBroker } from '../../../src/broker/nats/nats-broker.js';
import { NATS_URL, REDIS_URL, serviceSkipReason, uniquePrefix } from '../../cluster/engines.js';
import { removeNatsState } from '../../cluster/nats-cleanup.js';
import { removeRedisState } from '../../cluster/redis-cleanup.js';

function linkSuite(name: string, makeBrokers: () => Promise<{ brokers: [Broker, Broker]; close: () => Promise<void> }>): void {
  describe(`NodeLink over ${name}`, () => {
    const cleanups: Array<() => Promise<void>> = [];
    after(async () => {
      for (const cleanup of cleanups.splice(0)) await cleanup();
    });

    async function pair(timeoutMs = 5_000): Promise<[NodeLink, NodeLink]> {
      const { brokers, close } = await makeBrokers();
      const a = new NodeLink(brokers[0], 'node-a', { timeoutMs });
      const b = new NodeLink(brokers[1], 'node-b', { timeoutMs });
      await Promise.all([a.start(), b.start()]);
      cleanups.push(async () => {
        await a.close();
        await b.close();
        await close();
      });
      return [a, b];
    }

    it('a request is answered by the other node, with the sender named', async () => {
      const [a, b] = await pair();
      b.handle('add', (body, from) => ({ sum: (body as { x: number; y: number }).x + (body as { x: number; y: number }).y, from }));
      b.handle('slow', async (body) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return body;
      });
      assert.deepEqual(await a.request('node-b', 'add', { x: 2, y: 3 }), { sum: 5, from: 'node-a' });
      assert.deepEqual(await a.request('node-b', 'slow', ['echo']), ['echo']);
    });

    it('concurrent requests get their own replies (correlation ids)', async () => {
      const [a, b] = await pair();
      b.handle('double', async (body) => {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 20));
        return (body as number) * 2;
      });
      const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => a.request('node-b', 'double', i)));
      assert.deepEqual(replies, Array.from({ length: 50 }, (_, i) => i * 2));
    });

    it('one-way messages from one node arrive in the order they were sent', async () => {
      const [a, b] = await pair();
      const got: number[] = [];
      let done!: () => void;
      const all = new Promise<void>((resolve) => (done = resolve));
      b.on('n', (body) => {
        got.push(body as number);
        if (got.length === 200) done();
      });
      for (let i = 0; i < 200; i++) void a.send('node-b', 'n', i);
      await all;
      assert.deepEqual(got, Array.from({ length: 200 }, (_, i) => i));
    });

    it('a handler that throws is a remote error; an unknown kind too; a node nobody runs times out', async () => {
      const [a, b] = await pair(300);
      b.handle('fail', () => {
        throw new Error('no way');
      });
      await assert.rejects(a.request('node-b', 'fail', null), (error: unknown) => error instanceof NodeLinkError && error.reason === 'remote' && /no way/.test(error.message));
      await assert.rejects(a.request('node-b', 'nothing', null), (error: unknown) => error instanceof NodeLinkError && error.reason === 'remote');
      await assert.rejects(a.request('node-z', 'add', null), (error: unknown) => error instanceof NodeLinkError && error.reason === 'timeout');
    });

    it('close() fails the requests still waiting', async () => {
      const [a, b] = await pair();
      b.handle('never', () => new Promise(() => {}));
      const waiting = assert.rejects(a.request('node-b', 'never', null), (error: unknown) => error instanceof NodeLinkError && error.reason === 'closed');
      await a.close();
      await waiting;
    });
  });
}

describe('the inbox channel', () => {
  it('is a name no client can subscribe to (outside the channel grammar)', () => {
    assert.equal(parseChannelName(inboxOf('abc')), undefined);
  });
});

linkSuite('memory', async () => {
  const engine = new MemoryEngine();
  const brokers: [Broker, Broker] = [new MemoryBroker({ engine }), new MemoryBroker({ engine })];
  return { brokers, close: async () => void (await Promise.all(brokers.map((b) => b.close()))) };
});

const redisSkip = await serviceSkipReason('Redis', REDIS_URL);
if (redisSkip !== undefined) {
  describe('NodeLink over redis', { skip: redisSkip }, () => {});
} else {
  linkSuite('redis', async () => {
    const prefix = uniquePrefix('nodelink');
    const brokers: [Broker, Broker] = [await RedisBroker.connect({ url: REDIS_URL, prefix }), await RedisBroker.connect({ url: REDIS_URL, prefix })];
    return {
      brokers,
      close: async () => {
        await Promise.all(brokers.map((b) => b.close()));
        await removeRedisState(REDIS_URL, prefix);
      },
    };
  });
}

const natsSkip = await serviceSkipReason('NATS', NATS_URL);
if (natsSkip !== undefined) {
  describe('NodeLink over nats', { skip: natsSkip }, () => {});
} else {
  linkSuite('nats', async () => {
    const prefix = uniquePrefix('nodelink');
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
  });
}
