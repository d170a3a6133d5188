// Redis going away and coming back, on a private redis-server (append-only persistence,
// so a restart keeps the streams). The shared Redis on 6379 is never touched.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RedisBroker } from '../../src/broker/redis/redis-broker.js';
import { brokerFromUrl } from '../../src/broker/from-url.js';
import { PrivateEngine, REDIS_SERVER, binarySkipReason, freePort } from '../cluster/engines.js';
import { engineFaultSuite, oneConnectionOutageSuite } from '../cluster/fault-suite.js';

const skip = binarySkipReason('redis-server', REDIS_SERVER);

describe('RedisBroker faults (private redis-server)', { skip }, () => {
  engineFaultSuite({
    engine: () => PrivateEngine.redis(),
    connect: (url, slow) =>
      RedisBroker.connect({ url, prefix: 'faults', maxReconnectDelayMs: 100, ...(slow ? { redis: { retryStrategy: () => 2_000 } } : {}) }),
  });

  it('brokerFromUrl names the URL when Redis cannot be reached', async () => {
    const port = await freePort();
    await assert.rejects(brokerFromUrl(`redis://127.0.0.1:${port}`, { connectTimeoutMs: 1_000 }), (error: Error) => {
      assert.match(error.message, new RegExp(`cannot reach Redis at redis://127\\.0\\.0\\.1:${port}`));
      return true;
    });
  });
});

describe('RedisBroker one-connection outage', { skip }, () => {
  oneConnectionOutageSuite(() => PrivateEngine.redis(), (url) => RedisBroker.connect({ url, prefix: 'blip', maxReconnectDelayMs: 100 }));
});
