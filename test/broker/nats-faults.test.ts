// NATS going away and coming back, on a private nats-server with JetStream in a
// temporary store directory. The shared NATS on 4222 is never touched.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NatsBroker } from '../../src/broker/nats/nats-broker.js';
import { brokerFromUrl } from '../../src/broker/from-url.js';
import { NATS_SERVER, PrivateEngine, binarySkipReason, freePort } from '../cluster/engines.js';
import { engineFaultSuite, oneConnectionOutageSuite } from '../cluster/fault-suite.js';

const skip = binarySkipReason('nats-server', NATS_SERVER);

describe('NatsBroker faults (private nats-server)', { skip }, () => {
  engineFaultSuite({
    engine: () => PrivateEngine.nats(),
    connect: (url, slow) => NatsBroker.connect({ url, prefix: 'faults', reconnectWaitMs: slow ? 2_000 : 100 }),
  });

  it('brokerFromUrl names the URL when NATS cannot be reached', async () => {
    const port = await freePort();
    await assert.rejects(brokerFromUrl(`nats://127.0.0.1:${port}`, { connectTimeoutMs: 1_000 }), (error: Error) => {
      assert.match(error.message, new RegExp(`cannot reach NATS at nats://127\\.0\\.0\\.1:${port}`));
      return true;
    });
  });
});

describe('NatsBroker one-connection outage', { skip }, () => {
  oneConnectionOutageSuite(() => PrivateEngine.nats(), (url) => NatsBroker.connect({ url, prefix: 'blip', reconnectWaitMs: 100 }));
});
