// Real network faults between client and server: TCP connections cut or silently stalled
// while the server keeps publishing, and a server restart that loses the stream.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, ClientCode, DisconnectCode, type StateReason, type SubscribedContext } from '../../src/client/node.js';
import { TcpProxy, mintToken, sleep, startServer, until, type TestServer } from './helpers.js';

const cleanups: Array<() => unknown> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

interface Subscriber {
  client: Client;
  got: number[];
  subscribed: SubscribedContext[];
  reconnectReasons: StateReason[];
}

async function subscribers(url: string, channel: string, count: number, options: ConstructorParameters<typeof Client>[1] = {}): Promise<Subscriber[]> {
  const list: Subscriber[] = [];
  for (let i = 0; i < count; i++) {
    const client = new Client(url, { token: await mintToken(`user${i}`), minReconnectDelayMs: 20, maxReconnectDelayMs: 200, ...options });
    cleanups.push(() => client.disconnect());
    const entry: Subscriber = { client, got: [], subscribed: [], reconnectReasons: [] };
    client.on('connecting', (reason) => entry.reconnectReasons.push(reason));
    const sub = client.subscribe<{ n: number }>(channel);
    sub.on('publication', ({ data }) => entry.got.push(data.n));
    sub.on('subscribed', (context) => entry.subscribed.push(context));
    client.connect();
    await sub.ready();
    list.push(entry);
  }
  return list;
}

/** Publishes 1..total from the server, yielding between publications so faults interleave. */
async function publishAll(t: TestServer, channel: string, total: number, fault: (n: number) => Promise<void> | void): Promise<void> {
  for (let n = 1; n <= total; n++) {
    await t.server.publish(channel, { n });
    await fault(n);
    await sleep(n % 10 === 0 ? 2 : 0);
  }
}

function assertExactlyOnceInOrder(list: Subscriber[], total: number): void {
  const expected = Array.from({ length: total }, (_, i) => i + 1);
  for (const [i, entry] of list.entries()) assert.deepEqual(entry.got, expected, `subscriber ${i} got every publication once, in order`);
}

test('TCP connections cut twice while publishing: every subscriber gets every publication exactly once, in order, recovered', async () => {
  const t = await startServer();
  cleanups.push(() => t.server.close());
  const proxy = new TcpProxy(t.port);
  await proxy.listen();
  cleanups.push(() => proxy.close());
  const channel = 'chat:fault-cut';
  const list = await subscribers(proxy.url, channel, 8);
  const total = 400;
  await publishAll(t, channel, total, (n) => {
    if (n === 100 || n === 250) proxy.cut();
  });
  await until(() => list.every((entry) => entry.got.length >= total), 'every subscriber caught up');
  await sleep(50); // a duplicate would arrive right behind the last publication
  assertExactlyOnceInOrder(list, total);
  for (const entry of list) {
    const resubscribes = entry.subscribed.slice(1);
    assert.ok(resubscribes.length >= 2, 'resubscribed after each cut');
    assert.ok(resubscribes.every((context) => context.wasRecovering && context.recovered), 'the app was told recovered: true');
    assert.ok(entry.reconnectReasons.slice(1).every((reason) => reason.code === 1006), 'a cut reads as an abnormal close (1006)');
  }
});

test('connections silently stalled: the heartbeat notices, the client reconnects and recovers', async () => {
  const t = await startServer();
  cleanups.push(() => t.server.close());
  const proxy = new TcpProxy(t.port);
  await proxy.listen();
  cleanups.push(() => proxy.close());
  const channel = 'chat:fault-stall';
  const list = await subscribers(proxy.url, channel, 3, { pingIntervalMs: 150, pongTimeoutMs: 150 });
  const total = 120;
  await publishAll(t, channel, total, (n) => {
    if (n === 40) proxy.stall();
  });
  await until(() => list.every((entry) => entry.got.length >= total), 'every subscriber caught up');
  await sleep(50);
  assertExactlyOnceInOrder(list, total);
  for (const entry of list) {
    assert.ok(entry.reconnectReasons.some((reason) => reason.code === ClientCode.noHeartbeat), 'reconnected for want of a heartbeat');
    assert.ok(entry.subscribed.slice(1).every((context) => context.recovered));
  }
});

test('server restart on the in-memory broker: resubscribed with recovered: false, never a silent gap', async () => {
  const first = await startServer();
  const proxy = new TcpProxy(first.port);
  await proxy.listen();
  cleanups.push(() => proxy.close());
  const channel = 'chat:restart';
  const [entry] = await subscribers(proxy.url, channel, 1);
  await first.server.publish(channel, { n: 1 });
  await until(() => entry!.got.length === 1, 'first publication');
  const epochBefore = entry!.client.getSubscription(channel)!.position!.epoch;

  await first.server.close();
  const second = await startServer();
  cleanups.push(() => second.server.close());
  proxy.retarget(second.port);
  await until(() => entry!.subscribed.length === 2, 'resubscribed to the new server');

  assert.equal(entry!.reconnectReasons[1]!.code, DisconnectCode.shutdown, 'the restart reads as a shutdown (1001)');
  const context = entry!.subscribed[1]!;
  assert.equal(context.wasRecovering, true);
  assert.equal(context.recovered, false, 'the app is told the stream could not be recovered');
  assert.notEqual(context.position!.epoch, epochBefore, 'a new epoch');
  await second.server.publish(channel, { n: 2 });
  await until(() => entry!.got.length === 2, 'publications of the new server');
  assert.deepEqual(entry!.got, [1, 2]);
});

test('cut before the channel had a stream: its first publications, made meanwhile, are recovered', async () => {
  const t = await startServer();
  cleanups.push(() => t.server.close());
  const proxy = new TcpProxy(t.port);
  await proxy.listen();
  cleanups.push(() => proxy.close());
  const channel = 'chat:fresh-stream';
  const [entry] = await subscribers(proxy.url, channel, 1);
  assert.equal(entry!.subscribed[0]!.position!.epoch, '', 'subscribing creates no stream');
  proxy.down();
  await until(() => entry!.client.state === 'connecting', 'the client to notice the cut');
  await t.server.publish(channel, { n: 1 });
  await t.server.publish(channel, { n: 2 });
  proxy.up();
  await until(() => entry!.subscribed.length === 2, 'resubscribed');
  assert.equal(entry!.subscribed[1]!.recovered, true, 'the stream that began meanwhile is recovered');
  await t.server.publish(channel, { n: 3 });
  await until(() => entry!.got.length >= 3, 'every publication');
  assert.deepEqual(entry!.got, [1, 2, 3]);
  assert.notEqual(entry!.client.getSubscription(channel)!.position!.epoch, '', 'the position follows the stream now');
});
