// Issue 12: subscribing to channels that have no state must not create any.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBroker } from '../../src/broker/memory.js';
import { makeHub } from './helpers.js';

const namespaces = { chat: { historySize: 100, presence: true } };

describe('channel churn', () => {
  it('subscribing to thousands of new history channels leaves no stream behind', async () => {
    const broker = new MemoryBroker({ pruneIntervalMs: 0 });
    // 4,000 commands from one connection on a clock that does not move: past any command rate.
    const { hub, client } = makeHub({ namespaces, broker, limits: { commandBurst: 5_000 } });
    const c = await client();
    for (let i = 0; i < 2_000; i++) {
      const channel = `chat:churn-${i}`;
      const result = await c.call('subscribe', { channel });
      assert.deepEqual([result.offset, result.epoch], [0, '']);
      await c.call('unsubscribe', { channel });
    }
    assert.deepEqual(broker.engine.counts(), { streams: 0, presenceChannels: 0, subscribedChannels: 0 });
    assert.equal(hub.channelCount, 0);
  });

  it('a channel that has a stream keeps it, and subscribers get its position', async () => {
    const broker = new MemoryBroker({ pruneIntervalMs: 0 });
    const { hub, client } = makeHub({ namespaces, broker });
    const published = await hub.publish('chat:kept', 'x');
    const c = await client();
    const result = await c.call('subscribe', { channel: 'chat:kept' });
    assert.deepEqual([result.offset, result.epoch], [1, published.epoch]);
    assert.equal(broker.engine.counts().streams, 1);
  });

  it('a subscriber that joined before the stream existed recovers what it missed', async () => {
    const { hub, client } = makeHub({ namespaces });
    const c = await client();
    const { epoch, offset } = await c.call('subscribe', { channel: 'chat:late' });
    assert.equal(epoch, '');
    c.connection.handleClose();
    for (let i = 1; i <= 3; i++) await hub.publish('chat:late', i);
    const again = await client();
    const result = await again.call('subscribe', { channel: 'chat:late', since: { offset, epoch } });
    assert.equal(result.recovered, true);
    assert.deepEqual(result.publications.map((p: any) => p.data), [1, 2, 3]);
    assert.notEqual(result.epoch, '');
  });
});
