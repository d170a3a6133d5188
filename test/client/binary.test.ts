// Binary publications through the SDK and a real server: a Uint8Array published arrives
// as a Uint8Array, live, in history, and in recovery after a cut connection.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '../../src/client/node.js';
import { Client as BrowserClient } from '../../src/client/index.js';
import { WireErrorCode as ErrorCode, type VolleyError } from '../../src/client/node.js';
import { TcpProxy, startServer, until, type TestServer } from './helpers.js';

let t: TestServer;
const clients: Client[] = [];

function client(url = t.url): Client {
  const c = new Client(url, { minReconnectDelayMs: 20, maxReconnectDelayMs: 200 });
  clients.push(c);
  return c;
}

before(async () => {
  t = await startServer({ allowAnonymous: true, limits: { maxPublicationSize: 1024 } });
});

after(async () => {
  for (const c of clients) c.disconnect();
  await t.server.close();
});

const BYTES = Uint8Array.from([0, 1, 127, 128, 255]);

test('a Uint8Array published by a client or the server arrives as a Uint8Array; JSON stays JSON', async () => {
  const alice = client();
  const bob = client();
  alice.connect();
  bob.connect();
  const received: unknown[] = [];
  const sub = bob.subscribe('chat:bytes');
  sub.on('publication', (p) => received.push(p.data));
  await sub.ready();
  await alice.subscribe('chat:bytes').ready();
  await alice.publish('chat:bytes', BYTES);
  await t.server.hub.publish('chat:bytes', Buffer.from([9, 8]));
  await alice.publish('chat:bytes', { text: 'json' });
  await until(() => received.length === 3, 'three publications');
  assert.ok(received[0] instanceof Uint8Array && received[1] instanceof Uint8Array);
  assert.deepEqual([...(received[0] as Uint8Array)], [...BYTES]);
  assert.deepEqual([...(received[1] as Uint8Array)], [9, 8]);
  assert.deepEqual(received[2], { text: 'json' });
  const history = await bob.history('chat:bytes');
  assert.ok(history.publications[0]!.data instanceof Uint8Array);
  assert.deepEqual([...(history.publications[0]!.data as Uint8Array)], [...BYTES]);
  assert.equal('b64' in history.publications[0]!, false);
  assert.deepEqual(history.publications[2]!.data, { text: 'json' });
});

test('the browser build (no Node APIs) encodes and decodes bytes the same way', async () => {
  const c = new BrowserClient(t.url, { WebSocket: (await import('../../src/ws/index.js')).WebSocket as never });
  try {
    c.connect();
    const got: unknown[] = [];
    const sub = c.subscribe('live:b');
    sub.on('publication', (p) => got.push(p.data));
    await sub.ready();
    const large = new Uint8Array(1024).map((_, i) => (i * 31) & 0xff);
    await c.publish('live:b', large);
    await until(() => got.length === 1, 'the publication');
    assert.deepEqual([...(got[0] as Uint8Array)], [...large]);
  } finally {
    c.disconnect();
  }
});

test('size limits count bytes: 1024 bytes pass (1368 characters of base64), 1025 are 112', async () => {
  const c = client();
  c.connect();
  await c.subscribe('live:limit').ready();
  await c.publish('live:limit', new Uint8Array(1024));
  await assert.rejects(c.publish('live:limit', new Uint8Array(1025)), (error: VolleyError) => error.code === ErrorCode.messageTooLarge);
});

test('bytes missed while the connection was cut are recovered as Uint8Arrays', async () => {
  const proxy = new TcpProxy(t.port);
  await proxy.listen();
  try {
    const c = client(proxy.url);
    c.connect();
    const got: number[][] = [];
    const recovered: boolean[] = [];
    const sub = c.subscribe('chat:recover');
    sub.on('publication', (p) => got.push([...(p.data as Uint8Array)]));
    sub.on('subscribed', (ctx) => recovered.push(ctx.recovered));
    await sub.ready();
    await t.server.hub.publish('chat:recover', Uint8Array.from([1]));
    await until(() => got.length === 1, 'the first publication');
    proxy.down();
    await until(() => c.state !== 'connected', 'the cut');
    await t.server.hub.publish('chat:recover', Uint8Array.from([2, 2]));
    await t.server.hub.publish('chat:recover', Uint8Array.from([3, 3, 3]));
    proxy.up();
    await until(() => got.length === 3, 'the recovered publications');
    assert.deepEqual(got, [[1], [2, 2], [3, 3, 3]]);
    assert.equal(recovered.at(-1), true);
  } finally {
    await proxy.close();
  }
});

// The same bytes over every transport: the HTTP transports carry the same JSON text, so
// `b64` needs nothing of them; this shows it end to end, live and in history.
for (const transport of ['http-stream', 'sse', 'long-polling'] as const) {
  test(`${transport}: bytes published and received over the transport arrive as a Uint8Array`, async () => {
    const options = { transports: [transport], rememberTransport: false, minReconnectDelayMs: 20, maxReconnectDelayMs: 200 };
    const http = new Client(t.url, options);
    clients.push(http);
    http.connect();
    await http.ready();
    assert.equal(http.transport, transport);
    const ws = client();
    ws.connect();
    const channel = `chat:bin-${transport}`;
    const got: unknown[] = [];
    const sub = http.subscribe(channel);
    sub.on('publication', (p) => got.push(p.data));
    await sub.ready();
    await ws.subscribe(channel).ready();
    await ws.publish(channel, BYTES);
    await http.publish(channel, Uint8Array.from([42, 0, 42]));
    await until(() => got.length === 2, `two publications over ${transport}`);
    assert.deepEqual(got.map((data) => [...(data as Uint8Array)]), [[...BYTES], [42, 0, 42]]);
    const history = await http.history(channel);
    assert.deepEqual(history.publications.map((p) => [...(p.data as Uint8Array)]), [[...BYTES], [42, 0, 42]]);
  });
}
