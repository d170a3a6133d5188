// The match lease: of nodes claiming at once exactly one holds it, the holder renews it,
// others see it until it expires or is released, and then one of them can take it. On the
// memory broker with a hand-driven clock, and the race on the machine's Redis and NATS.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryBroker } from '../../../src/broker/memory.js';
import { MemoryEngine } from '../../../src/broker/memory-engine.js';
import type { Broker } from '../../../src/broker/broker.js';
import { NatsBroker } from '../../../src/broker/nats/nats-broker.js';
import { RedisBroker } from '../../../src/broker/redis/redis-broker.js';
import { MatchLeases, leaseChannel } from '../../../src/demo/game/lease.js';
import { NATS_URL, REDIS_URL, serviceSkipReason, uniquePrefix } from '../../cluster/engines.js';
import { removeNatsState } from '../../cluster/nats-cleanup.js';
import { removeRedisState } from '../../cluster/redis-cleanup.js';

describe('MatchLeases', () => {
  it('one holder at a time: claim, renew, expiry, takeover, release', async () => {
    let now = 1_000;
    const engine = new MemoryEngine({ now: () => now });
    const [a, b] = [new MemoryBroker({ engine, pruneIntervalMs: 0 }), new MemoryBroker({ engine, pruneIntervalMs: 0 })];
    const leaseA = new MatchLeases(a, 'node-a', 3_000, () => now);
    const leaseB = new MatchLeases(b, 'node-b', 3_000, () => now);
    assert.equal((await leaseA.read('m')).holder, undefined);
    assert.equal((await leaseA.acquire('m')).holder, 'node-a');
    assert.equal((await leaseB.acquire('m')).holder, 'node-a', 'B sees A and does not take it');
    now += 2_000;
    assert.equal((await leaseA.acquire('m')).holder, 'node-a', 'A renews');
    now += 2_500;
    assert.equal((await leaseB.read('m')).holder, 'node-a', 'renewed: still A 4.5 s after the claim');
    now += 600;
    assert.equal((await leaseB.read('m')).holder, undefined, 'expired 3 s after the last renewal');
    assert.equal((await leaseB.acquire('m')).holder, 'node-b');
    assert.equal((await leaseA.acquire('m')).holder, 'node-b', 'the old holder cannot renew after a takeover');
    await leaseA.release('m');
    assert.equal((await leaseA.read('m')).holder, 'node-b', 'only the holder can release');
    await leaseB.release('m');
    assert.equal((await leaseA.read('m')).holder, undefined);
    assert.equal((await leaseA.acquire('m')).holder, 'node-a');
  });

  it('an entry written over one it did not see does not count (compare-and-set)', async () => {
    const now = 1_000;
    const broker = new MemoryBroker({ pruneIntervalMs: 0 });
    const leases = new MatchLeases(broker, 'node-a', 3_000, () => now);
    const retention = { size: 32, ttlMs: 60_000, metaTtlMs: 600_000 };
    // A stale claim by C (it read offset 0, but B's landed first), and garbage, on top of B's.
    await broker.publish(leaseChannel('m'), JSON.stringify({ n: 'node-b', t: now, p: 0 }), { history: retention });
    await broker.publish(leaseChannel('m'), JSON.stringify({ n: 'node-c', t: now, p: 0 }), { history: retention });
    await broker.publish(leaseChannel('m'), 'not json', { history: retention });
    assert.equal((await leases.read('m')).holder, 'node-b');
  });
});

const engines = [
  { name: 'Redis', url: REDIS_URL, connect: (prefix: string) => RedisBroker.connect({ url: REDIS_URL, prefix }), cleanup: (prefix: string) => removeRedisState(REDIS_URL, prefix) },
  { name: 'NATS', url: NATS_URL, connect: (prefix: string) => NatsBroker.connect({ url: NATS_URL, prefix, storage: 'memory' }), cleanup: (prefix: string) => removeNatsState(NATS_URL, prefix) },
];

for (const engine of engines) {
  const skip = await serviceSkipReason(engine.name, engine.url);
  describe(`MatchLeases on ${engine.name}`, { skip }, () => {
    it('of eight nodes claiming at once, exactly one holds the lease and all agree', async () => {
      const prefix = uniquePrefix('lease');
      const brokers: Broker[] = await Promise.all(Array.from({ length: 8 }, () => engine.connect(prefix)));
      try {
        for (let round = 0; round < 5; round++) {
          const match = `race-${round}`;
          const leases = brokers.map((broker, i) => new MatchLeases(broker, `node-${i}`, 3_000, Date.now));
          const results = await Promise.all(leases.map((lease) => lease.acquire(match)));
          const winners = new Set(results.map((r) => r.holder));
          assert.equal(winners.size, 1, `round ${round}: ${JSON.stringify(results)}`);
          const [winner] = winners;
          assert.ok(winner !== undefined);
          const views = await Promise.all(leases.map((lease) => lease.read(match)));
          assert.ok(views.every((view) => view.holder === winner));
        }
      } finally {
        await Promise.all(brokers.map((broker) => broker.close()));
        await engine.cleanup(prefix);
      }
    });
  });
}
