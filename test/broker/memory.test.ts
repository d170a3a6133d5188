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
