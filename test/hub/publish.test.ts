import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OutboundMessage } from '../../src/hub/session.js';
import { WireErrorCode as ErrorCode } from '../../src/wire/index.js';
import { TestClient, hsToken, makeHub, publicationOf, SECRET } from './helpers.js';

const namespaces = {
  chat: { historySize: 10 },
  open: { publish: 'authenticated' as const },
  feed: { publish: 'server' as const },
};

describe('publish', () => {
  it('is acknowledged and reaches every subscriber, without the publisher info by default', async () => {
    const { client } = makeHub({ namespaces });
    const alice = await client();
    const bob = await client();
    await alice.call('subscribe', { channel: 'news' });
    await bob.call('subscribe', { channel: 'news' });
    assert.deepEqual(await alice.call('publish', { channel: 'news', data: { text: 'hi' } }), {});
    for (const c of [alice, bob]) {
      assert.deepEqual(c.newPushes(), [
        { pub: 'news', data: { text: 'hi' } },
      ]);
    }
  });

  it('reaches every subscriber with the publisher info where the namespace asks for it', async () => {
    const { client } = makeHub({ namespaces: { ...namespaces, signed: { publisherInfo: true } } });
    const alice = await client();
    const bob = await client();
    await alice.call('subscribe', { channel: 'signed:a' });
    await bob.call('subscribe', { channel: 'signed:a' });
    await alice.call('publish', { channel: 'signed:a', data: { text: 'hi' } });
    for (const c of [alice, bob]) {
      assert.deepEqual(c.newPushes(), [{ pub: 'signed:a', data: { text: 'hi' }, info: { client: alice.connection.id, user: '' } }]);
    }
  });

  it('returns the offset and epoch on channels with history', async () => {
    const { client } = makeHub({ namespaces });
    const c = await client();
    await c.call('subscribe', { channel: 'chat:x' });
    const first = await c.call('publish', { channel: 'chat:x', data: 1 });
    const epoch = first.epoch;
    assert.ok(epoch.length > 0);
    assert.deepEqual(first, { offset: 1, epoch });
    assert.deepEqual(await c.call('publish', { channel: 'chat:x', data: 2 }), { offset: 2, epoch });
  });

  it('can exclude the sender', async () => {
    const { client } = makeHub();
    const alice = await client();
    const bob = await client();
    await alice.call('subscribe', { channel: 'news' });
    await bob.call('subscribe', { channel: 'news' });
    await alice.call('publish', { channel: 'news', data: 'x', excludeSelf: true });
    assert.equal(alice.newPushes().length, 0);
    assert.equal(bob.newPushes().length, 1);
  });

  it('hands ONE OutboundMessage instance to every subscriber (frame once)', async () => {
    const { hub, client } = makeHub();
    const clients = await Promise.all(Array.from({ length: 25 }, () => client()));
    for (const c of clients) await c.call('subscribe', { channel: 'fanout' });
    const before = clients.map((c) => c.session.sent.length);
    await hub.publish('fanout', { n: 1 });
    const delivered = clients.map((c, i) => c.session.sent.slice(before[i]));
    assert.ok(delivered.every((messages) => messages.length === 1));
    const first = delivered[0]![0]!;
    assert.ok(first instanceof OutboundMessage);
    for (const messages of delivered) assert.equal(messages[0], first, 'same instance');
    let framings = 0;
    for (const messages of delivered) messages[0]!.encoded('websocket', (text) => (framings++, Buffer.from(text)));
    assert.equal(framings, 1, 'a transport frames the shared message once');
  });

  describe('publish policies', () => {
    it('subscribers: only subscribers may publish', async () => {
      const { client } = makeHub({ namespaces });
      const c = await client();
      await c.expectError('publish', { channel: 'news', data: 1 }, ErrorCode.permissionDenied);
      await c.call('subscribe', { channel: 'news' });
      await c.call('publish', { channel: 'news', data: 1 });
    });

    it('authenticated: any user with access, not anonymous', async () => {
      const { hub, clock, client } = makeHub({ namespaces, auth: { hmacSecret: SECRET } });
      const anonymous = await client();
      await anonymous.expectError('publish', { channel: 'open:board', data: 1 }, ErrorCode.permissionDenied);
      const user = new TestClient(hub);
      await user.call('connect', { token: await hsToken({ sub: '3', channels: ['open:board', 'open:#3'] }, { expiresAt: clock.seconds + 60 }) });
      await user.call('publish', { channel: 'open:board', data: 1 });
      await user.call('publish', { channel: 'open:#3', data: 1 });
      await user.expectError('publish', { channel: 'open:#4', data: 1 }, ErrorCode.permissionDenied);
      await user.expectError('publish', { channel: 'open:elsewhere', data: 1 }, ErrorCode.permissionDenied);
      await user.expectError('publish', { channel: '$open:x', data: 1 }, ErrorCode.permissionDenied);
    });

    it('server: clients may not publish, the server may', async () => {
      const { hub, client } = makeHub({ namespaces });
      const c = await client();
      await c.call('subscribe', { channel: 'feed:prices' });
      await c.expectError('publish', { channel: 'feed:prices', data: 1 }, ErrorCode.permissionDenied);
      await hub.publish('feed:prices', { eur: 1.1 });
      assert.deepEqual(c.newPushes().map(publicationOf), [{ data: { eur: 1.1 } }]);
    });
  });

  it('validates params', async () => {
    const { client } = makeHub({ namespaces });
    const c = await client();
    await c.call('subscribe', { channel: 'news' });
    await c.expectError('publish', { channel: 'news' }, ErrorCode.badRequest);
    await c.expectError('publish', { channel: 'news', data: 1, excludeSelf: 'yes' }, ErrorCode.badRequest);
    await c.expectError('publish', { channel: 'x:y', data: 1 }, ErrorCode.unknownChannel);
    assert.deepEqual(await c.call('publish', { channel: 'news', data: null }), {});
  });
});

describe('server-side publish API', () => {
  it('validates channel and data', async () => {
    const { hub } = makeHub({ namespaces });
    await assert.rejects(hub.publish('bad name', 1), (e: any) => e.code === ErrorCode.badRequest);
    await assert.rejects(hub.publish('x:y', 1), (e: any) => e.code === ErrorCode.unknownChannel);
    await assert.rejects(hub.publish('news', undefined), (e: any) => e.code === ErrorCode.badRequest);
    assert.deepEqual(await hub.publish('news', 'ok'), {});
  });

  it('can exclude one client', async () => {
    const { hub, client } = makeHub();
    const a = await client();
    const b = await client();
    await a.call('subscribe', { channel: 'n' });
    await b.call('subscribe', { channel: 'n' });
    await hub.publish('n', 1, { excludeClient: a.connection.id });
    assert.equal(a.newPushes().length, 0);
    assert.equal(b.newPushes().length, 1);
  });
});
