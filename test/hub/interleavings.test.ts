// Issue 12: every command gets exactly one reply, whatever overtakes it.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBroker } from '../../src/broker/memory.js';
import { WireErrorCode } from '../../src/wire/index.js';
import { SECRET, eventually, hsToken, makeHub, settle, type TestClient } from './helpers.js';

const namespaces = { chat: { historySize: 10, presence: true, joinLeave: true }, plain: {} };

/** Sends commands without waiting, then waits until every one has its reply. */
async function burst(c: TestClient, commands: Array<[string, unknown]>, firstId: number): Promise<any[]> {
  commands.forEach(([method, params], i) => c.send(JSON.stringify({ id: firstId + i, method, params })));
  const ids = commands.map((_, i) => firstId + i);
  await eventually(() => ids.every((id) => c.messages().some((m) => m.id === id)));
  await settle();
  for (const id of ids) assert.equal(c.messages().filter((m) => m.id === id).length, 1, `exactly one reply to ${id}`);
  return ids.map((id) => c.messages().find((m) => m.id === id));
}

describe('subscribe overtaken by unsubscribe', () => {
  for (const channel of ['chat:room', 'plain:room', 'room', '$chat:secret']) {
    it(`${channel}: the subscribe gets its reply (110), the unsubscribe {} and nothing stays behind`, async () => {
      const { hub, clock, client } = makeHub({ namespaces, auth: { hmacSecret: SECRET } });
      const c = await client();
      const token = channel.startsWith('$') ? await hsToken({ sub: '', channel }, { expiresAt: clock.seconds + 60 }) : undefined;
      const [subscribed, unsubscribed] = await burst(c, [['subscribe', { channel, token }], ['unsubscribe', { channel }]], 10);
      assert.equal(unsubscribed.result !== undefined || unsubscribed.error?.code === WireErrorCode.notSubscribed, true);
      if (subscribed.error !== undefined) assert.equal(subscribed.error.code, WireErrorCode.notSubscribed);
      assert.equal(c.connection.subscriptions.size, 0);
      await settle();
      assert.equal(hub.channelCount, 0, 'the node left the broker channel');
      if (channel.startsWith('chat:')) assert.deepEqual(await hub.presence(channel), {}, 'no presence left behind');
    });
  }

  it('subscribe, unsubscribe, subscribe: the last one wins and each gets one reply', async () => {
    const { hub, client } = makeHub({ namespaces });
    const c = await client();
    const replies = await burst(c, [['subscribe', { channel: 'chat:x' }], ['unsubscribe', { channel: 'chat:x' }], ['subscribe', { channel: 'chat:x' }]], 20);
    assert.equal(replies[2].result.recoverable, true);
    assert.equal(c.connection.subscriptions.get('chat:x')?.state, 'active');
    await hub.publish('chat:x', 'after');
    assert.deepEqual(c.pushes().filter((p) => typeof p.pub === 'string').map((p) => p.data), ['after']);
  });

  it('with a slow broker, every interleaving of subscribe/unsubscribe/publish/history/presence is answered once', async () => {
    class SlowBroker extends MemoryBroker {
      override async subscribe(...args: Parameters<MemoryBroker['subscribe']>) {
        await settle();
        return super.subscribe(...args);
      }
      override async history(...args: Parameters<MemoryBroker['history']>) {
        await new Promise((resolve) => setImmediate(resolve));
        return super.history(...args);
      }
    }
    const { client } = makeHub({ namespaces, broker: new SlowBroker({ pruneIntervalMs: 0 }) });
    const c = await client();
    const ops: Array<[string, unknown]> = [];
    const channels = ['chat:a', 'chat:b', 'plain:c'];
    const kinds = ['subscribe', 'unsubscribe', 'publish', 'history', 'presence', 'presence_stats'];
    let seed = 7;
    const next = (n: number) => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) % n;
    for (let i = 0; i < 60; i++) {
      const channel = channels[next(channels.length)]!;
      const kind = kinds[next(kinds.length)]!;
      ops.push([kind, kind === 'publish' ? { channel, data: i } : { channel }]);
    }
    const replies = await burst(c, ops, 100);
    assert.equal(replies.length, 60);
    assert.equal(c.closed, undefined);
  });
});

describe('unsubscribe', () => {
  it('an invalid channel name is a bad request (107), an unknown one not_subscribed (110)', async () => {
    const { client } = makeHub({ namespaces });
    const c = await client();
    await c.expectError('unsubscribe', { channel: 'bad name' }, WireErrorCode.badRequest);
    await c.expectError('unsubscribe', { channel: 'x'.repeat(300) }, WireErrorCode.badRequest);
    await c.expectError('unsubscribe', { channel: 'chat:never' }, WireErrorCode.notSubscribed);
  });
});
