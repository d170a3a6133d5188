// The hub's HubObserver: what it is told, and that a broadcast is one call however many
// subscribers it reaches.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NO_OBSERVER, type HubObserver } from '../../src/hub/observer.js';
import { hsToken, makeHub, SECRET, settle, TestClient } from './helpers.js';

type Call = [keyof HubObserver, ...unknown[]];

function recorder(): HubObserver & { calls: Call[] } {
  const calls: Call[] = [];
  const observer = { calls } as HubObserver & { calls: Call[] };
  for (const key of Object.keys(NO_OBSERVER) as (keyof HubObserver)[]) {
    (observer as any)[key] = (...args: unknown[]) => void calls.push([key, ...args]);
  }
  return observer;
}

describe('HubObserver', () => {
  it('is told of sessions, commands, errors, broadcasts (once each) and closes with their codes', async () => {
    const { hub } = makeHub({ namespaces: { room: {} }, limits: { highWaterMark: 1000 } });
    const seen = recorder();
    const stop = hub.observe(seen);
    const clients = await Promise.all([1, 2, 3].map(() => makeClient(hub)));
    for (const c of clients) await c.call('subscribe', { channel: 'room:a' });
    const opened = seen.calls.filter(([k]) => k === 'opened');
    assert.equal(opened.length, 3);
    assert.equal(seen.calls.filter(([k]) => k === 'connected').length, 3);
    assert.equal(seen.calls.filter(([k, method]) => k === 'command' && method === 'subscribe').length, 3);
    assert.ok(seen.calls.filter(([k]) => k === 'received').length >= 6);

    seen.calls.length = 0;
    await hub.publish('room:a', { n: 1 });
    await settle();
    const broadcasts = seen.calls.filter(([k, , recipients]) => k === 'sent' && recipients === 3);
    assert.equal(broadcasts.length, 1, 'one call for the broadcast, not one per recipient');
    // The observer is given the push's UTF-8 size, counted once by the hub.
    assert.equal(broadcasts[0]![1], Buffer.byteLength('{"pub":"room:a","data":{"n":1}}'));

    await clients[0]!.request('publish', { channel: 'nope:x', data: 1 });
    assert.ok(seen.calls.some(([k, code]) => k === 'error' && code === 102));

    // A slow consumer: its session stops draining; the push that passes the mark cuts it with 3002.
    clients[1]!.session.stalled = true;
    await hub.publish('room:a', { n: 2, pad: 'x'.repeat(1000) });
    await settle();
    assert.ok(seen.calls.some(([k, c, code]) => k === 'closed' && (c as any).id === clients[1]!.connection.id && code === 3002));
    // The peer leaving: no code.
    clients[2]!.connection.handleClose();
    assert.ok(seen.calls.some(([k, c, code]) => k === 'closed' && (c as any).id === clients[2]!.connection.id && code === undefined));

    stop();
    const before = seen.calls.length;
    await hub.publish('room:a', { n: 3 });
    await settle();
    assert.equal(seen.calls.length, before, 'a removed observer hears nothing');
  });

  it('is told of a refused connect and of recoveries', async () => {
    const { hub } = makeHub({ auth: { hmacSecret: SECRET }, allowAnonymous: false, namespaces: { log: { historySize: 10, historyTtlMs: 60_000 } } });
    const seen = recorder();
    hub.observe(seen);
    const mallory = new TestClient(hub);
    await mallory.request('connect', { token: 'x.y.z' });
    assert.ok(seen.calls.some(([k, , error]) => k === 'refused' && (error as any).code === 101));
    assert.ok(seen.calls.some(([k, , code]) => k === 'closed' && code === 3500));

    const alice = new TestClient(hub);
    await alice.call('connect', { token: await hsToken({ sub: 'alice' }) });
    const { epoch } = await alice.call('subscribe', { channel: 'log:a' });
    await hub.publish('log:a', 1);
    const bob = new TestClient(hub);
    await bob.call('connect', { token: await hsToken({ sub: 'bob' }) });
    await bob.call('subscribe', { channel: 'log:a', since: { offset: 0, epoch } });
    await bob.call('unsubscribe', { channel: 'log:a' });
    await bob.call('subscribe', { channel: 'log:a', since: { offset: 0, epoch: 'gone' } });
    assert.deepEqual(seen.calls.filter(([k]) => k === 'recovery').map(([, r]) => r), [true, false]);
  });
});

async function makeClient(hub: import('../../src/hub/hub.js').Hub) {
  const client = new TestClient(hub);
  await client.call('connect', {});
  return client;
}
