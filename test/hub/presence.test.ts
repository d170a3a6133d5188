import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBroker } from '../../src/broker/memory.js';
import { MemoryEngine } from '../../src/broker/memory-engine.js';
import { Hub } from '../../src/hub/hub.js';
import { WireErrorCode as ErrorCode } from '../../src/wire/index.js';
import { FakeClock, TestClient, hsToken, makeHub, SECRET, settle } from './helpers.js';

const namespaces = { chat: { presence: true, joinLeave: true }, quiet: { presence: true }, plain: {} };

describe('presence', () => {
  it('lists subscribers with client id, user and info from the token', async () => {
    const { hub, clock } = makeHub({ namespaces, auth: { hmacSecret: SECRET } });
    const c = new TestClient(hub);
    await c.call('connect', { token: await hsToken({ sub: '9', info: { name: 'Grace' } }, { expiresAt: clock.seconds + 60 }) });
    await c.call('subscribe', { channel: 'chat:room' });
    const { clients } = await c.call('presence', { channel: 'chat:room' });
    assert.deepEqual(clients, { [c.connection.id]: { client: c.connection.id, user: '9', connInfo: { name: 'Grace' } } });
    assert.deepEqual(await c.call('presence_stats', { channel: 'chat:room' }), { numClients: 1, numUsers: 1 });
    await c.call('unsubscribe', { channel: 'chat:room' });
    await settle();
    assert.deepEqual(await hub.presence('chat:room'), {});
  });

  it('needs a subscription and a namespace with presence', async () => {
    const { client } = makeHub({ namespaces });
    const c = await client();
    await c.expectError('presence', { channel: 'chat:room' }, ErrorCode.notSubscribed);
    await c.expectError('presence_stats', { channel: 'chat:room' }, ErrorCode.notSubscribed);
    await c.call('subscribe', { channel: 'plain:x' });
    await c.expectError('presence', { channel: 'plain:x' }, ErrorCode.notAvailable);
    await c.expectError('presence_stats', { channel: 'plain:x' }, ErrorCode.notAvailable);
  });

  it('pushes join and leave where configured', async () => {
    const { client } = makeHub({ namespaces });
    const a = await client();
    const b = await client();
    await a.call('subscribe', { channel: 'chat:room' });
    await settle();
    a.newPushes();
    await b.call('subscribe', { channel: 'chat:room' });
    await settle();
    const infoB = { client: b.connection.id, user: '' };
    assert.deepEqual(a.newPushes(), [{ push: 'join', channel: 'chat:room', info: infoB }]);
    b.connection.handleClose();
    await settle();
    assert.deepEqual(a.newPushes(), [{ push: 'leave', channel: 'chat:room', info: infoB }]);
  });

  it('sends no join/leave where joinLeave is off', async () => {
    const { client } = makeHub({ namespaces });
    const a = await client();
    const b = await client();
    await a.call('subscribe', { channel: 'quiet:room' });
    await b.call('subscribe', { channel: 'quiet:room' });
    await b.call('unsubscribe', { channel: 'quiet:room' });
    await settle();
    assert.deepEqual(a.pushes(), []);
  });

  it('entries of a dead node expire while a live node keeps refreshing its own', async () => {
    const clock = new FakeClock();
    const engine = new MemoryEngine({ now: clock.now });
    const options = { namespaces, sweepIntervalMs: 0, now: clock.now, allowAnonymous: true, presenceTtlMs: 30_000 };
    const live = new Hub({ ...options, broker: new MemoryBroker({ engine, pruneIntervalMs: 0 }) });
    const doomedBroker = new MemoryBroker({ engine, pruneIntervalMs: 0 });
    const doomed = new Hub({ ...options, broker: doomedBroker });
    const a = new TestClient(live);
    const b = new TestClient(doomed);
    for (const c of [a, b]) {
      await c.call('connect', {});
      await c.call('subscribe', { channel: 'chat:room' });
    }
    assert.equal((await live.presenceStats('chat:room')).numClients, 2);
    // The doomed node dies without cleaning up: no more sweeps, no leave.
    for (let t = 0; t < 4; t++) {
      clock.advance(10_000);
      live.sweep();
      await settle();
    }
    assert.deepEqual(Object.keys(await live.presence('chat:room')), [a.connection.id]);
  });

  it('server-side presence API refuses channels without presence', async () => {
    const { hub } = makeHub({ namespaces });
    await assert.rejects(hub.presence('plain:x'), (e: any) => e.code === ErrorCode.notAvailable);
    await assert.rejects(hub.presenceStats('plain:x'), (e: any) => e.code === ErrorCode.notAvailable);
    assert.deepEqual(await hub.presenceStats('chat:empty'), { numClients: 0, numUsers: 0 });
  });
});

describe('cluster fan-out through a shared engine', () => {
  it('a publication on one node reaches subscribers on another', async () => {
    const engine = new MemoryEngine();
    const one = new Hub({ sweepIntervalMs: 0, allowAnonymous: true, broker: new MemoryBroker({ engine, pruneIntervalMs: 0 }) });
    const two = new Hub({ sweepIntervalMs: 0, allowAnonymous: true, broker: new MemoryBroker({ engine, pruneIntervalMs: 0 }) });
    const a = new TestClient(one);
    const b = new TestClient(two);
    for (const c of [a, b]) {
      await c.call('connect', {});
      await c.call('subscribe', { channel: 'news' });
    }
    await a.call('publish', { channel: 'news', data: 'across' });
    assert.deepEqual(b.newPushes().map((p) => p.data), ['across']);
  });
});
