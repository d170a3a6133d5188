// Publications lost on their way to the client's node (a networked broker's feed could not
// fill a gap from history): the server sends a `gap` push, and the SDK subscribes again from
// its position, recovering what history still holds or saying `recovered: false`.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, ClientCode, type StateReason, type SubscribedContext } from '../../src/client/node.js';
import { LossyBroker } from '../support/lossy-broker.js';
import { mintToken, startServer, until } from './helpers.js';

const cleanups: Array<() => unknown> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function setup(historySize: number) {
  const broker = new LossyBroker();
  const t = await startServer({ broker, namespaces: { feed: { historySize, historyTtlMs: 600_000 } } });
  cleanups.push(() => t.server.close());
  const client = new Client(t.url, { token: await mintToken('ada') });
  cleanups.push(() => client.disconnect());
  const sub = client.subscribe<{ n: number }>('feed:prices');
  const got: number[] = [];
  const subscribed: SubscribedContext[] = [];
  const subscribing: StateReason[] = [];
  sub.on('publication', ({ data }) => got.push(data.n));
  sub.on('subscribed', (context) => subscribed.push(context));
  sub.on('subscribing', (reason) => subscribing.push(reason));
  client.connect();
  await sub.ready();
  const publish = async (from: number, to: number) => {
    for (let n = from; n <= to; n++) await t.server.publish('feed:prices', { n });
  };
  return { broker, client, sub, got, subscribed, subscribing, publish };
}

test('a gap that history still holds: the SDK subscribes again and gets every publication once, in order', async () => {
  const { broker, got, subscribed, subscribing, publish } = await setup(100);
  await publish(1, 3);
  await until(() => got.length === 3, 'live publications');
  broker.dropping = true;
  await publish(4, 8);
  broker.dropping = false;
  await publish(9, 10);
  await until(() => got.length === 10, 'the lost publications, recovered');
  assert.deepEqual(got, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.equal(subscribed.length, 2);
  assert.deepEqual({ ...subscribed[1], position: undefined }, { channel: 'feed:prices', recoverable: true, wasRecovering: true, recovered: true, position: undefined });
  assert.equal(subscribing.at(-1)!.code, ClientCode.publicationsLost);
  await publish(11, 11);
  await until(() => got.length === 11, 'live again');
});

test('a gap history no longer holds: the SDK says recovered: false, and live publications go on', async () => {
  const { broker, sub, got, subscribed, publish } = await setup(2);
  await publish(1, 2);
  await until(() => got.length === 2, 'live publications');
  broker.dropping = true;
  await publish(3, 8);
  broker.dropping = false;
  await publish(9, 9);
  await until(() => subscribed.length === 2, 'subscribed again');
  assert.equal(subscribed[1]!.wasRecovering, true);
  assert.equal(subscribed[1]!.recovered, false, 'the app is told to reload its state');
  assert.deepEqual(sub.position, { epoch: subscribed[1]!.position!.epoch, offset: 9 });
  await publish(10, 11);
  await until(() => got.includes(11), 'live again');
  // 9 may or may not arrive before the resubscribe's reply; nothing arrives twice or out of order.
  assert.deepEqual(got.filter((n) => n <= 2), [1, 2]);
  assert.deepEqual(got.slice(-2), [10, 11]);
  assert.deepEqual([...got].sort((a, b) => a - b), got);
  assert.equal(new Set(got).size, got.length);
});

test('300 subscribers told of one gap: each recovers every publication exactly once, in order, while publishing goes on', async () => {
  const broker = new LossyBroker();
  const t = await startServer({ broker, namespaces: { feed: { historySize: 10_000, historyTtlMs: 600_000 } } });
  cleanups.push(() => t.server.close());
  const token = await mintToken('many');
  const lists: number[][] = [];
  const recovered: boolean[] = [];
  for (let i = 0; i < 300; i++) {
    const client = new Client(t.url, { token, minReconnectDelayMs: 200 });
    cleanups.push(() => client.disconnect());
    const sub = client.subscribe<{ n: number }>('feed:many');
    const got: number[] = [];
    lists.push(got);
    sub.on('publication', ({ data }) => got.push(data.n));
    sub.on('subscribed', ({ wasRecovering, recovered: ok }) => wasRecovering && recovered.push(ok));
    client.connect();
    await sub.ready();
  }
  const total = 60;
  for (let n = 1; n <= total; n++) {
    broker.dropping = n > 10 && n <= 30;
    await t.server.publish('feed:many', { n });
    // Publishing goes on while the subscribers' delayed resubscribes come in.
    if (n > 30) await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const expected = Array.from({ length: total }, (_, i) => i + 1);
  await until(() => lists.every((got) => got.length >= total), 'every subscriber to have every publication', 30_000);
  for (const [i, got] of lists.entries()) assert.deepEqual(got, expected, `subscriber ${i}: once each, in order`);
  assert.equal(recovered.length, 300);
  assert.ok(recovered.every(Boolean), 'every one recovered from history');
});
