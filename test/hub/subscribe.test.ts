import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WireErrorCode as ErrorCode } from '../../src/wire/index.js';
import { TestClient, hsToken, makeHub, SECRET, settle } from './helpers.js';

const auth = { hmacSecret: SECRET };
const namespaces = {
  chat: { presence: true, joinLeave: true, historySize: 100, historyTtlMs: 600_000 },
  dm: {},
  secret: { allowAnonymous: false },
};

async function userClient(hub: ReturnType<typeof makeHub>, sub: string, claims: Record<string, unknown> = {}): Promise<TestClient> {
  const client = new TestClient(hub.hub);
  await client.call('connect', { token: await hsToken({ sub, ...claims }, { expiresAt: hub.clock.seconds + 3600 }) });
  return client;
}

describe('subscribe and unsubscribe', () => {
  it('subscribes, receives publications, unsubscribes and stops receiving', async () => {
    const { hub, client } = makeHub();
    const c = await client();
    assert.deepEqual(await c.call('subscribe', { channel: 'news' }), { recoverable: false });
    await hub.publish('news', { title: 'one' });
    assert.deepEqual(c.newPushes(), [{ pub: 'news', data: { title: 'one' } }]);
    assert.deepEqual(await c.call('unsubscribe', { channel: 'news' }), {});
    await hub.publish('news', { title: 'two' });
    assert.deepEqual(c.newPushes(), []);
    assert.equal(hub.channelCount, 0, 'the node leaves the broker channel with its last subscriber');
  });

  it('returns the stream position for channels with history', async () => {
    const { hub, client } = makeHub({ namespaces });
    const c = await client();
    const first = await c.call('subscribe', { channel: 'chat:lobby' });
    assert.equal(first.recoverable, true);
    assert.equal(first.offset, 0);
    // Subscribing creates no stream (issue 12: churn), so the position has the empty epoch,
    // and the first publication carries the epoch its stream started with.
    assert.equal(first.epoch, '');
    const published = await hub.publish('chat:lobby', 'hi');
    assert.equal(published.offset, 1);
    assert.ok(published.epoch !== undefined && published.epoch.length > 0);
    assert.deepEqual(c.newPushes().filter((p) => typeof p.pub === 'string'), [{ pub: 'chat:lobby', offset: 1, epoch: published.epoch, data: 'hi' }]);
    await hub.publish('chat:lobby', 'again');
    assert.deepEqual(c.newPushes().filter((p) => typeof p.pub === 'string'), [{ pub: 'chat:lobby', offset: 2, data: 'again' }]);
    const second = await (await makeHub({ namespaces }).client()).call('subscribe', { channel: 'chat:lobby' });
    assert.equal(second.epoch, '', 'another hub, another engine: no stream there');
    const again = await c.call('unsubscribe', { channel: 'chat:lobby' }).then(() => c.call('subscribe', { channel: 'chat:lobby' }));
    assert.deepEqual([again.offset, again.epoch], [2, published.epoch], 'once the stream exists, subscribers get its epoch');
  });

  it('refuses invalid names, unknown namespaces, double subscribe and unknown unsubscribe', async () => {
    const { client } = makeHub({ namespaces });
    const c = await client();
    await c.expectError('subscribe', { channel: 'bad name' }, ErrorCode.badRequest);
    await c.expectError('subscribe', {}, ErrorCode.badRequest);
    await c.expectError('subscribe', { channel: 'news', since: { offset: -1, epoch: 'x' } }, ErrorCode.badRequest);
    await c.expectError('subscribe', { channel: 'nowhere:room' }, ErrorCode.unknownChannel);
    await c.call('subscribe', { channel: 'news' });
    await c.expectError('subscribe', { channel: 'news' }, ErrorCode.alreadySubscribed);
    await c.expectError('unsubscribe', { channel: 'sports' }, ErrorCode.notSubscribed);
  });

  it('limits the channels per connection', async () => {
    const { client } = makeHub({ limits: { maxChannelsPerConnection: 2 } });
    const c = await client();
    await c.call('subscribe', { channel: 'a' });
    await c.call('subscribe', { channel: 'b' });
    await c.expectError('subscribe', { channel: 'c' }, ErrorCode.limitExceeded);
    await c.call('unsubscribe', { channel: 'a' });
    await c.call('subscribe', { channel: 'c' });
  });
});

describe('channel permissions', () => {
  it('user-limited channels admit only the listed users', async () => {
    const h = makeHub({ auth, namespaces });
    const u42 = await userClient(h, '42');
    const u7 = await userClient(h, '7');
    const anonymous = await h.client();
    await u42.call('subscribe', { channel: 'dm:#42' });
    await u7.expectError('subscribe', { channel: 'dm:#42' }, ErrorCode.permissionDenied);
    await anonymous.expectError('subscribe', { channel: 'dm:#42' }, ErrorCode.permissionDenied);
    await u7.call('subscribe', { channel: 'dm:#42,7' });
    await h.hub.publish('dm:#42', 'for 42 only');
    assert.equal(u7.pushes().length, 0);
    assert.equal(anonymous.pushes().length, 0);
    assert.equal(u42.pushes().length, 1);
  });

  it('the channels claim restricts what a user may join', async () => {
    const h = makeHub({ auth, namespaces });
    const c = await userClient(h, '1', { channels: ['chat:*', 'news'] });
    await c.call('subscribe', { channel: 'chat:lobby' });
    await c.call('subscribe', { channel: 'news' });
    const refused = await c.expectError('subscribe', { channel: 'sports' }, ErrorCode.permissionDenied);
    assert.match(refused.message, /not allowed/);
    await c.expectError('subscribe', { channel: 'dm:#1' }, ErrorCode.permissionDenied);
  });

  it('anonymous connections are kept out of namespaces that refuse them', async () => {
    const h = makeHub({ auth, namespaces });
    const anonymous = await h.client();
    await anonymous.expectError('subscribe', { channel: 'secret:x' }, ErrorCode.permissionDenied);
    const user = await userClient(h, '1');
    await user.call('subscribe', { channel: 'secret:x' });
  });

  describe('private channels', () => {
    it('need a subscription token for this user and channel', async () => {
      const h = makeHub({ auth, namespaces });
      const c = await userClient(h, '5', { channels: ['news'] });
      const exp = { expiresAt: h.clock.seconds + 60 };
      await c.expectError('subscribe', { channel: '$plans' }, ErrorCode.permissionDenied);
      const forOther = await hsToken({ sub: '6', channel: '$plans' }, exp);
      await c.expectError('subscribe', { channel: '$plans', token: forOther }, ErrorCode.permissionDenied);
      const otherChannel = await hsToken({ sub: '5', channel: '$other' }, exp);
      await c.expectError('subscribe', { channel: '$plans', token: otherChannel }, ErrorCode.permissionDenied);
      const forged = await hsToken({ sub: '5', channel: '$plans' }, { ...exp, secret: 'forged-forged-forged-forged-forged' });
      await c.expectError('subscribe', { channel: '$plans', token: forged }, ErrorCode.unauthorized);
      const expired = await hsToken({ sub: '5', channel: '$plans' }, { expiresAt: h.clock.seconds - 1 });
      await c.expectError('subscribe', { channel: '$plans', token: expired }, ErrorCode.tokenExpired);
      assert.equal(c.connection.subscriptions.size, 0);
      await h.hub.publish('$plans', 'secret data');
      assert.equal(c.pushes().length, 0, 'no channel data reached a refused connection');
      const good = await hsToken({ sub: '5', channel: '$plans', info: { role: 'editor' } }, exp);
      await c.call('subscribe', { channel: '$plans', token: good });
      await h.hub.publish('$plans', 'now visible');
      assert.deepEqual(c.newPushes().map((p) => p.data), ['now visible']);
      assert.deepEqual(c.connection.subscriptions.get('$plans')!.info.chanInfo, { role: 'editor' });
    });

    it('are refused when no auth is configured', async () => {
      const { client } = makeHub();
      const c = await client();
      await c.expectError('subscribe', { channel: '$x', token: 'whatever' }, ErrorCode.permissionDenied);
    });
  });
});

describe('subscription races', () => {
  it('an unsubscribe during a pending subscribe leaves nothing behind', async () => {
    const h = makeHub({ auth, namespaces });
    const c = await userClient(h, '5');
    const token = await hsToken({ sub: '5', channel: '$p' }, { expiresAt: h.clock.seconds + 60 });
    c.send(JSON.stringify({ id: 50, method: 'subscribe', params: { channel: '$p', token } }));
    c.send(JSON.stringify({ id: 51, method: 'unsubscribe', params: { channel: '$p' } }));
    await settle();
    assert.equal(c.connection.subscriptions.size, 0);
    assert.equal(h.hub.channelCount, 0);
    await h.hub.publish('$p', 'x');
    assert.equal(c.pushes().length, 0);
  });

  it('a disconnect during a pending subscribe leaves nothing behind', async () => {
    const h = makeHub({ namespaces });
    const c = await h.client();
    c.send(JSON.stringify({ id: 50, method: 'subscribe', params: { channel: 'chat:a' } }));
    c.connection.handleClose();
    await settle();
    assert.equal(h.hub.channelCount, 0);
    assert.deepEqual(await h.hub.presence('chat:a'), {});
  });
});
