// The emulated sockets of the HTTP transports against an in-process fake server
// (fake-http.ts): open, messages down exactly once across dropped requests, commands up
// batched and in order, close items and HTTP statuses mapped to close codes.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '../../src/client/client.js';
import type { VolleyError } from '../../src/client/errors.js';
import { ClientErrorCode } from '../../src/client/codes.js';
import type { TransportName } from '../../src/client/transport-choice.js';
import type { StateReason } from '../../src/client/events.js';
import { StreamSocket } from '../../src/client/stream-socket.js';
import { FakeHttp } from './fake-http.js';
import { until } from './helpers.js';

const URL = 'ws://fake.invalid/connection/websocket';
const HTTP: TransportName[] = ['http-stream', 'sse', 'long-polling'];

function client(http: FakeHttp, transport: TransportName, options: ConstructorParameters<typeof Client>[1] = {}): Client {
  const c = new Client(URL, {
    transports: [transport], fetch: http.fetch, rememberTransport: false,
    minReconnectDelayMs: 10, maxReconnectDelayMs: 50, pingIntervalMs: 0, ...options,
  });
  return c;
}

function pub(channel: string, offset: number, data: unknown = offset): object {
  return { pub: channel, data, offset };
}

for (const transport of HTTP) {
  describe(`${transport}`, () => {
    test('connects, runs commands and delivers pushes', async (t) => {
      const http = new FakeHttp();
      const c = client(http, transport);
      t.after(() => c.disconnect());
      const transports: string[] = [];
      c.on('transport', ({ transport: name }) => transports.push(name));
      c.connect();
      await c.ready();
      assert.equal(c.transport, transport);
      assert.deepEqual(transports, [transport]);
      assert.equal(c.id, http.last.id);
      assert.equal(http.last.kind, ({ 'http-stream': 'stream', sse: 'sse', 'long-polling': 'poll' } as Record<string, string>)[transport]);
      const sub = c.subscribe('chat:a');
      const got: unknown[] = [];
      sub.on('publication', ({ data }) => got.push(data));
      await until(() => sub.state === 'subscribed', 'subscribed');
      http.last.push(pub('chat:a', 1, 'hello'));
      await c.publish('chat:a', 'mine');
      await until(() => got.length === 1, 'the push');
      assert.deepEqual(got, ['hello']);
      assert.deepEqual(http.last.commands.map((command) => command.method), ['connect', 'subscribe', 'publish']);
    });

    test('a dropped request is resumed with ack: every message exactly once, in order', async (t) => {
      const http = new FakeHttp();
      http.overlap = 2; // the server sends the last two acknowledged messages again
      const c = client(http, transport);
      t.after(() => c.disconnect());
      c.connect();
      await c.ready();
      const sub = c.subscribe('chat:a');
      const got: unknown[] = [];
      sub.on('publication', ({ data }) => got.push(data));
      await until(() => sub.state === 'subscribed', 'subscribed');
      const session = http.last;
      for (let i = 1; i <= 3; i += 1) session.push(pub('chat:a', i));
      await until(() => got.length === 3, 'three publications');
      const seqBefore = session.log.length;
      await until(() => session.attached, 'the next request');
      session.drop();
      for (let i = 4; i <= 6; i += 1) session.push(pub('chat:a', i));
      await until(() => got.length === 6, 'the publications sent while the request was down');
      assert.deepEqual(got, [1, 2, 3, 4, 5, 6]);
      assert.equal(http.opened.length, 1, 'the same session');
      assert.ok(session.acks.includes(seqBefore), `a resume acknowledged ${seqBefore}: ${session.acks.join(',')}`);
      assert.equal(c.state, 'connected');
    });

    test('a close item ends the socket with its code: temporary reconnects, 35xx stops', async (t) => {
      const http = new FakeHttp();
      const c = client(http, transport);
      t.after(() => c.disconnect());
      const reasons: StateReason[] = [];
      c.on('connecting', (reason) => reasons.push(reason));
      c.connect();
      await c.ready();
      http.last.close(3001, 'go away for a bit');
      await until(() => http.opened.length === 2 && c.state === 'connected', 'a new session');
      assert.equal(reasons.at(-1)?.code, 3001);
      const gone = new Promise<StateReason>((resolve) => c.once('disconnected', resolve));
      http.last.close(3500, 'unauthorized');
      assert.deepEqual(await gone, { code: 3500, reason: 'unauthorized' });
    });

    test('an expired session (404 on resume) makes the client open a new one and resubscribe', async (t) => {
      const http = new FakeHttp();
      const c = client(http, transport);
      t.after(() => c.disconnect());
      c.connect();
      await c.ready();
      const sub = c.subscribe('chat:a');
      await until(() => sub.state === 'subscribed', 'subscribed');
      const first = http.last;
      await until(() => first.attached, 'the request');
      http.sessions.delete(first.id);
      first.drop();
      await until(() => http.opened.length === 2 && sub.state === 'subscribed' && http.last.commands.some((command) => command.method === 'subscribe'), 'resubscribed on a new session');
      assert.equal(c.state, 'connected');
    });

    test('a POST that fails on the network ends the connection: the command fails, the client reconnects', async (t) => {
      const http = new FakeHttp();
      const c = client(http, transport);
      t.after(() => c.disconnect());
      c.connect();
      await c.ready();
      http.postFailure = 'error';
      await assert.rejects(c.publish('chat:a', 1), (error: VolleyError) => error.code === ClientErrorCode.connectionClosed);
      http.postFailure = undefined;
      await until(() => http.opened.length === 2 && c.state === 'connected', 'a new session');
    });
  });
}

test('commands go up batched per tick, in order, one POST in flight at a time', async (t) => {
  const http = new FakeHttp();
  http.onCommand = () => {};
  const socket = new StreamSocket({ base: http.base, fetch: http.fetch });
  t.after(() => socket.close());
  await new Promise((resolve) => (socket.onopen = resolve));
  http.holdPosts = true;
  for (let i = 1; i <= 3; i += 1) socket.send(JSON.stringify({ id: i, method: 'ping' }));
  await new Promise((resolve) => setTimeout(resolve, 0)); // the first POST is under way, held
  for (let i = 4; i <= 5; i += 1) socket.send(JSON.stringify({ id: i, method: 'ping' }));
  http.releasePosts();
  await until(() => http.posts.length === 1, 'the first POST');
  http.releasePosts();
  await until(() => http.posts.length === 2, 'the second POST');
  assert.deepEqual(http.posts.map((post) => post.lines.map((line) => (JSON.parse(line) as { id: number }).id)), [[1, 2, 3], [4, 5]]);
});

test('a POST refused with 429 is sent again, still in order', async (t) => {
  const http = new FakeHttp();
  http.onCommand = () => {};
  const socket = new StreamSocket({ base: http.base, fetch: http.fetch });
  t.after(() => socket.close());
  await new Promise((resolve) => (socket.onopen = resolve));
  http.postFailure = 429;
  http.holdPosts = true;
  socket.send('{"id":1,"method":"ping"}');
  await new Promise((resolve) => setTimeout(resolve, 0)); // the first POST is under way, held
  socket.send('{"id":2,"method":"ping"}');
  http.releasePosts();
  http.holdPosts = false;
  http.postFailure = undefined;
  await until(() => http.posts.flatMap((post) => post.lines).length === 2, 'both commands taken');
  assert.deepEqual(http.posts.flatMap((post) => post.lines.map((line) => (JSON.parse(line) as { id: number }).id)), [1, 2]);
  assert.equal(socket.readyState, 1);
});

test('HTTP statuses of the opening request become close codes', async () => {
  for (const [status, code] of [[403, 3500], [503, 1013], [404, 1006]] as const) {
    const socket = new StreamSocket({
      base: 'http://x.invalid/connection/',
      fetch: async () => new Response(JSON.stringify({ error: { message: 'no' } }), { status }),
    });
    const closed = await new Promise<{ code: number; reason: string }>((resolve) => (socket.onclose = resolve));
    assert.deepEqual(closed, { code, reason: `HTTP ${status}: no` });
    assert.equal(socket.readyState, 3);
  }
});

test('a stream line that is not JSON closes with 1007', async () => {
  const socket = new StreamSocket({
    base: 'http://x.invalid/connection/',
    fetch: async () => new Response('{"open":{"session":"n.s"}}\n<html>\n'),
  });
  const closed = await new Promise<{ code: number }>((resolve) => (socket.onclose = resolve));
  assert.equal(closed.code, 1007);
});

test('a held-GET socket promises a request every livenessMs (kept within 1–600 s): the opening GET says so, and an empty POST keeps the promise while no command goes up', async (t) => {
  const http = new FakeHttp();
  const socket = new StreamSocket({ base: http.base, fetch: http.fetch, livenessMs: 300 });
  t.after(() => socket.close());
  await until(() => socket.readyState === 1, 'open');
  assert.match(http.gets[0]!, /\/stream\?liveness=1000$/);
  assert.equal(http.posts.length, 0);
  await until(() => http.posts.length === 1, 'a keep-alive POST after 1 s without one', 5_000);
  assert.deepEqual(http.posts[0], { session: http.last.id, lines: [] });

  const quiet = new StreamSocket({ base: http.base, fetch: http.fetch });
  t.after(() => quiet.close());
  await until(() => quiet.readyState === 1, 'open');
  assert.match(http.gets.at(-1)!, /\/stream$/, 'no promise without livenessMs');
});
