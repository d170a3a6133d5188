// NATS going away and coming back, on a private nats-server with JetStream in a
// temporary store directory. The shared NATS on 4222 is never touched.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { BrokerEvent } from '../../src/broker/broker.js';
import { NatsBroker } from '../../src/broker/nats/nats-broker.js';
import { BrokerUnavailableError } from '../../src/broker/cluster/errors.js';
import { brokerFromUrl } from '../../src/broker/from-url.js';
import { NATS_SERVER, PrivateEngine, freePort, waitFor } from '../cluster/engines.js';
import { engineFaultSuite } from '../cluster/fault-suite.js';

const skip = natsServerSkipReason();

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
  let engine: PrivateEngine;
  let broker: NatsBroker;
  before(async () => {
    engine = await PrivateEngine.nats();
    await engine.start();
    broker = await NatsBroker.connect({ url: engine.url, prefix: 'blip', reconnectWaitMs: 100 });
  });
  after(async () => {
    await broker.close();
    await engine.destroy();
  });

  it('refuses with BrokerUnavailableError while down, then works again', async () => {
    await engine.stop();
    await waitFor(async () => broker.publish('x', '1').then(() => false, (error) => error instanceof BrokerUnavailableError), 5_000, 'refusal');
    await engine.start();
    await waitFor(async () => broker.publish('x', '1').then(() => true, () => false), 10_000, 'publish after restart');
    const events: BrokerEvent[] = [];
    await broker.subscribe('y', (event) => events.push(event));
    await broker.publish('y', '2');
    await waitFor(() => events.length === 1, 2_000, 'delivery');
  });
});

function natsServerSkipReason(): string | undefined {
  if (existsSync(NATS_SERVER)) return undefined;
  if (process.env.CI === 'true') throw new Error(`${NATS_SERVER} not found`);
  const reason = `nats-server not found at ${NATS_SERVER}`;
  console.log(`# skipping: ${reason}`);
  return reason;
}
