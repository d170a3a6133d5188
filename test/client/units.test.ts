// Pieces of the client without a server: backoff, options, and the duplicate filter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay } from '../../src/client/backoff.js';
import { resolveClientOptions, CLIENT_DEFAULTS } from '../../src/client/options.js';
import { Subscription, type SubscriptionHost } from '../../src/client/subscription.js';

test('backoff: full jitter under a ceiling that doubles from min to max', () => {
  assert.equal(backoffDelay(0, 500, 20_000, () => 0), 0);
  assert.equal(backoffDelay(0, 500, 20_000, () => 0.999), 499);
  assert.equal(backoffDelay(3, 500, 20_000, () => 0.5), 2_000);
  assert.equal(backoffDelay(50, 500, 20_000, () => 0.5), 10_000);
});

test('options: documented defaults, and bad values refused', () => {
  const resolved = resolveClientOptions({});
  assert.equal(resolved.minReconnectDelayMs, CLIENT_DEFAULTS.minReconnectDelayMs);
  assert.equal(resolved.offlinePublishes, 'queue');
  assert.throws(() => resolveClientOptions({ timeoutMs: 0 }), /timeoutMs/);
  assert.throws(() => resolveClientOptions({ minReconnectDelayMs: 100, maxReconnectDelayMs: 50 }), /maxReconnectDelayMs/);
  assert.throws(() => resolveClientOptions({ offlinePublishes: 'drop' as 'queue' }), /offlinePublishes/);
});

test('subscription: recovered publications and pushes are delivered once each, in order', async () => {
  const replies = [
    { recoverable: true, epoch: 'e1', offset: 2 },
    { recoverable: true, epoch: 'e1', offset: 5, recovered: true, publications: [3, 4, 5].map((offset) => ({ offset, data: offset })) },
  ];
  const host = {
    isConnected: true,
    send: async () => replies.shift(),
    retryDelay: () => 0,
    reconnect: () => {},
  } as unknown as SubscriptionHost;
  const sub = new Subscription<number>('chat:x', host);
  const got: number[] = [];
  sub.on('publication', ({ data }) => got.push(data));
  sub.subscribe();
  await sub.ready();
  sub.handlePush({ pub: 'chat:x', offset: 1, data: 1 }); // older than the position
  sub.handlePush({ pub: 'chat:x', offset: 3, data: 3 });
  sub.handleConnectionLost({ code: 1006, reason: 'cut' });
  assert.equal(sub.state, 'subscribing');
  await sub.handleConnected();
  sub.handlePush({ pub: 'chat:x', offset: 5, data: 5 }); // already recovered
  sub.handlePush({ pub: 'chat:x', offset: 6, data: 6 });
  assert.deepEqual(got, [3, 4, 5, 6]);
  assert.deepEqual(sub.position, { epoch: 'e1', offset: 6 });
});

test('subscription: a new stream (its first publication names another epoch) is followed from offset 1', async () => {
  const host = {
    isConnected: true,
    send: async () => ({ recoverable: true, epoch: 'e1', offset: 6 }),
    retryDelay: () => 0,
    reconnect: () => {},
  } as unknown as SubscriptionHost;
  const sub = new Subscription<string>('chat:reset', host);
  const got: string[] = [];
  sub.on('publication', ({ data }) => got.push(data));
  sub.subscribe();
  await sub.ready();
  sub.handlePush({ pub: 'chat:reset', offset: 6, data: 'old 6' }); // already had it
  sub.handlePush({ pub: 'chat:reset', offset: 1, epoch: 'e2', data: 'new 1' });
  sub.handlePush({ pub: 'chat:reset', offset: 2, data: 'new 2' });
  sub.handlePush({ pub: 'chat:reset', offset: 2, data: 'new 2 again' });
  assert.deepEqual(got, ['new 1', 'new 2']);
  assert.deepEqual(sub.position, { epoch: 'e2', offset: 2 });
});
