import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { brokerContract } from './contract.js';
import { MemoryBroker } from '../../src/broker/memory.js';
import { MemoryEngine } from '../../src/broker/memory-engine.js';

brokerContract('memory', async () => {
  let time = 1_000_000;
  const engine = new MemoryEngine({ now: () => time });
  return {
    async nodes(count) {
      return Array.from({ length: count }, () => new MemoryBroker({ engine, pruneIntervalMs: 0 }));
    },
    async advance(ms) {
      time += ms;
    },
    async close() {},
  };
});

describe('MemoryBroker', () => {
  it('rejects calls after close', async () => {
    const broker = new MemoryBroker({ pruneIntervalMs: 0 });
    await broker.close();
    await assert.rejects(broker.publish('a', '1'), /closed/);
    await broker.close();
  });

  it('prune() drops expired presence and streams', async () => {
    let time = 0;
    const engine = new MemoryEngine({ now: () => time });
    const broker = new MemoryBroker({ engine, pruneIntervalMs: 0 });
    await broker.addPresence('p', { client: 'c', user: 'u' }, 1_000);
    await broker.publish('s', '1', { history: { size: 5, ttlMs: 1_000, metaTtlMs: 2_000 } });
    time = 5_000;
    engine.prune();
    assert.deepEqual(await broker.presence('p'), {});
    assert.equal((await broker.history('s')).epoch, '');
    await broker.close();
  });
});
