// The Node SDK on each HTTP transport against a real server: the same API, events,
// presence and recovery as on WebSocket; TCP cuts while the server publishes (the
// session resumes, or expires and the hub's recovery takes over) deliver every
// publication exactly once, in order.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, type ClientOptions, type SubscribedContext, type TransportName } from '../../src/client/node.js';
import { TcpProxy, mintToken, sleep, startServer, until } from './helpers.js';

const cleanups: Array<() => unknown> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const HTTP: TransportName[] = ['http-stream', 'sse', 'long-polling'];

async function connected(url: string, user: string, transport: TransportName, options: ClientOptions = {}): Promise<Client> {
  const client = new Client(url, {
    token: await mintToken(user), transports: [transport], rememberTransport: false,
    minReconnectDelayMs: 20, maxReconnectDelayMs: 200, ...options,
  });
  cleanups.push(() => client.disconnect());
  client.connect();
  await client.ready();
  return client;
}

for (const transport of HTTP) {
  test(`${transport}: publish, presence with join, history, rpc`, async () => {
    const t = await startServer({ transports: { heartbeatMs: 200 } });
    cleanups.push(() => t.server.close());
    const alice = await connected(t.url, 'alice', transport);
    const bob = await connected(t.url, 'bob', 'websocket');
    assert.equal(alice.transport, transport);
    const channel = `chat:${transport}`;
    const aliceSub = alice.subscribe<{ text: string }>(channel);
    const heard: string[] = [];
    const joins: string[] = [];
    const leaves: string[] = [];
    aliceSub.on('publication', ({ data }) => heard.push(data.text));
    aliceSub.on('join', ({ info }) => joins.push(info.user));
    aliceSub.on('leave', ({ info }) => leaves.push(info.user));
    await aliceSub.ready();
    const bobSub = bob.subscribe<{ text: string }>(channel);
    const bobHeard: string[] = [];
    bobSub.on('publication', ({ data }) => bobHeard.push(data.text));
    await bobSub.ready();
    await until(() => joins.includes('bob'), 'alice sees bob join');
    const presence = await alice.presence(channel);
    assert.deepEqual(Object.values(presence.clients).map((info) => info.user).sort(), ['alice', 'bob']);
    await bob.publish(channel, { text: '你好 👋' });
    await alice.publish(channel, { text: 'hi bob' });
    await until(() => heard.length === 2 && bobHeard.length === 2, 'both publications on both sides');
    assert.deepEqual(heard, ['你好 👋', 'hi bob']);
    const history = await alice.history<{ text: string }>(channel, { limit: 10 });
    assert.deepEqual(history.publications.map((p) => p.data.text), ['你好 👋', 'hi bob']);
    assert.deepEqual(await alice.rpc('echo', { x: 1 }), { user: 'alice', data: { x: 1 } });
  });

  // disconnect() sends `POST /connection/send?session=ID&close=1`; without it the session
  // would linger for sessionGraceMs.
  test(`${transport}: disconnect() ends the session at once: the others see the leave`, async () => {
    const t = await startServer({ transports: { heartbeatMs: 200 } });
    cleanups.push(() => t.server.close());
    const alice = await connected(t.url, 'alice', transport);
    const bob = await connected(t.url, 'bob', 'websocket');
    const channel = `chat:leave-${transport}`;
    await alice.subscribe(channel).ready();
    const bobSub = bob.subscribe(channel);
    const bobLeaves: string[] = [];
    bobSub.on('leave', ({ info }) => bobLeaves.push(info.user));
    await bobSub.ready();
    alice.disconnect();
    // Well inside the 30 s grace period a lingering session would take.
    await until(() => bobLeaves.includes('alice'), 'bob sees alice leave', 10_000);
  });

  test(`${transport}: TCP cuts while publishing, short (the session resumes) and long (a new session recovers): each publication exactly once`, async () => {
    const t = await startServer({ transports: { heartbeatMs: 200, sessionGraceMs: 300 } });
    cleanups.push(() => t.server.close());
    const proxy = new TcpProxy(t.port);
    await proxy.listen();
    cleanups.push(() => proxy.close());
    const channel = `chat:cut-${transport}`;
    const client = await connected(proxy.url, 'carol', transport);
    const got: number[] = [];
    const subscribed: SubscribedContext[] = [];
    const sub = client.subscribe<{ n: number }>(channel);
    sub.on('publication', ({ data }) => got.push(data.n));
    sub.on('subscribed', (context) => subscribed.push(context));
    await sub.ready();
    const total = 300;
    for (let n = 1; n <= total; n++) {
      await t.server.publish(channel, { n });
      if (n === 100) proxy.cut(); // short: the GET breaks, the client resumes the same session
      if (n === 200) {
        // long: nothing gets through until the session has expired on the server
        proxy.down();
        await until(() => client.state === 'connecting', 'the client gives the session up');
      }
      if (n === 220) proxy.up();
      await sleep(n % 10 === 0 ? 2 : 0);
    }
    if (proxy.connectionCount === 0) proxy.up();
    await until(() => got.length >= total, `every publication (${got.length}/${total})`, 60_000);
    await sleep(100); // a duplicate would come right behind
    assert.deepEqual(got, Array.from({ length: total }, (_, i) => i + 1));
    assert.ok(subscribed.length >= 2, 'resubscribed on a new session after the long cut');
    assert.ok(subscribed.slice(1).every((context) => context.wasRecovering && context.recovered), 'told recovered: true');
  });
}

// A connection that goes silent without a close (a laptop lid, a dead NAT entry) under a
// held GET: only the server writes to it, so without the client's liveness promise the
// server would keep the session, and the user in presence, until TCP gave up.
for (const transport of ['sse', 'http-stream'] as const) {
  test(`${transport}: a half-open connection: the server ends the session after twice the promised liveness; the client comes back on a new one`, async () => {
    const t = await startServer({ transports: { heartbeatMs: 300 } });
    cleanups.push(() => t.server.close());
    const proxy = new TcpProxy(t.port);
    await proxy.listen();
    cleanups.push(() => proxy.close());
    const channel = `chat:silent-${transport}`;
    const dave = await connected(proxy.url, 'dave', transport, { pingIntervalMs: 1_000, pongTimeoutMs: 1_000 });
    await dave.subscribe(channel).ready();
    const bob = await connected(t.url, 'bob', 'websocket');
    const bobSub = bob.subscribe(channel);
    const leaves: string[] = [];
    bobSub.on('leave', ({ info }) => leaves.push(info.client));
    await bobSub.ready();
    const before = Object.keys((await bob.presence(channel)).clients);
    assert.equal(before.length, 2);
    const oldClient = before.find((id) => id !== bob.id)!;

    // Nothing gets through in either direction, and nobody sees a close: not even the
    // client's `close=1` when it gives the connection up reaches the server.
    proxy.isolate();
    await until(() => leaves.includes(oldClient), 'the server ends the silent session (bob sees the leave)', 15_000);
    proxy.up();
    await until(() => dave.state === 'connected' && dave.id !== oldClient, 'dave on a new session', 15_000);
    await until(() => t.server.hub.connectionCount === 2, 'two connections on the server: dave again and bob', 15_000);
  });
}
