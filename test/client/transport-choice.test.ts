// Falling back from one transport to the next, and remembering the one that worked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '../../src/client/client.js';
import type { ErrorContext, TransportChange } from '../../src/client/events.js';
import { TransportChoice, httpBase } from '../../src/client/transport-choice.js';
import { fakeTransport } from './fake-socket.js';
import { FakeHttp } from './fake-http.js';
import { until } from './helpers.js';

let n = 0;
/** A URL of its own per test, so that one test's remembered transport is not another's. */
const freshUrl = () => `ws://fake.invalid/connection/websocket?t=${++n}`;

test('WebSocket refused: the client moves on to http-stream at once, says so, and remembers it', async (t) => {
  const url = freshUrl();
  const ws = fakeTransport();
  const http = new FakeHttp();
  const c = new Client(url, { WebSocket: ws.WebSocket, fetch: http.fetch, pingIntervalMs: 0 });
  t.after(() => c.disconnect());
  const changes: TransportChange[] = [];
  c.on('transport', (change) => changes.push(change));
  c.connect();
  await until(() => ws.sockets.length === 1, 'the WebSocket attempt');
  ws.current().serverClose(1006); // what a proxy that strips Upgrade looks like to a browser
  await c.ready();
  assert.equal(c.transport, 'http-stream');
  assert.deepEqual(changes, [{ transport: 'http-stream', previous: undefined }]);

  // A second client for the same URL starts with http-stream: no WebSocket attempt.
  const again = new Client(url, { WebSocket: ws.WebSocket, fetch: http.fetch, pingIntervalMs: 0 });
  t.after(() => again.disconnect());
  again.connect();
  await again.ready();
  assert.equal(again.transport, 'http-stream');
  assert.equal(ws.sockets.length, 1);
});

test('WebSocket stalls (never opens): after transportTimeoutMs the next transport is tried', async (t) => {
  const ws = fakeTransport();
  const http = new FakeHttp();
  const c = new Client(freshUrl(), {
    WebSocket: ws.WebSocket, fetch: http.fetch, pingIntervalMs: 0, transportTimeoutMs: 20, rememberTransport: false,
    transports: ['websocket', 'long-polling'],
  });
  t.after(() => c.disconnect());
  c.connect();
  await until(() => c.state === 'connected', 'connected'); // polls: the connect timer alone would not keep Node running
  assert.equal(c.transport, 'long-polling');
  assert.equal(ws.current().abandoned, 'terminated');
});

test('every transport failing: one round at once, then the backoff, then a round from the same start', async (t) => {
  const ws = fakeTransport();
  const fetches: string[] = [];
  const c = new Client(freshUrl(), {
    WebSocket: ws.WebSocket, pingIntervalMs: 0, rememberTransport: false, minReconnectDelayMs: 5, maxReconnectDelayMs: 10,
    fetch: async (url) => {
      fetches.push(url);
      throw new TypeError('fetch failed');
    },
  });
  t.after(() => c.disconnect());
  const errors: ErrorContext[] = [];
  c.on('error', (context) => errors.push(context));
  c.connect();
  for (let round = 0; round < 2; round += 1) {
    await until(() => ws.sockets.length === round + 1, 'the WebSocket attempt');
    ws.current().serverClose(1006);
    await until(() => errors.length === 4 * (round + 1), 'a round of four failures');
  }
  assert.deepEqual(errors.map((error) => error.retryInMs! > 0), [false, false, false, true, false, false, false, true]);
  assert.deepEqual(fetches.map((url) => new URL(url).pathname), [
    '/connection/stream', '/connection/sse', '/connection/poll', '/connection/stream', '/connection/sse', '/connection/poll',
  ]);
  assert.equal(c.transport, undefined);
});

test('a refusal that says "do not reconnect" (35xx) stops, instead of trying the next transport', async (t) => {
  const ws = fakeTransport();
  const http = new FakeHttp();
  const c = new Client(freshUrl(), { WebSocket: ws.WebSocket, fetch: http.fetch, pingIntervalMs: 0, rememberTransport: false });
  t.after(() => c.disconnect());
  const gone = new Promise<{ code: number }>((resolve) => c.once('disconnected', resolve));
  c.connect();
  await until(() => ws.sockets.length === 1, 'the WebSocket attempt');
  ws.current().open();
  ws.current().serverClose(3500, 'invalid token');
  assert.equal((await gone).code, 3500);
  assert.equal(http.opened.length, 0);
});

test('localStorage remembers the transport across clients (as across page loads)', async (t) => {
  const store = new Map<string, string>();
  const global = globalThis as { localStorage?: unknown };
  global.localStorage = { getItem: (key: string) => store.get(key) ?? null, setItem: (key: string, value: string) => store.set(key, value) };
  t.after(() => delete global.localStorage);
  const url = freshUrl();
  const http = new FakeHttp();
  const c = new Client(url, { transports: ['http-stream', 'sse'], fetch: async (u, init) => {
    if (u.endsWith('/stream')) throw new TypeError('fetch failed');
    return http.fetch(u, init);
  }, pingIntervalMs: 0 });
  t.after(() => c.disconnect());
  c.connect();
  await c.ready();
  assert.equal(c.transport, 'sse');
  const saved = JSON.parse(store.get(`volley.transport ${url}`)!) as { transport: string; at: number };
  assert.equal(saved.transport, 'sse');
  assert.equal(new TransportChoice(['http-stream', 'sse'], url, true).current, 'sse');
  // Too old: forgotten.
  store.set(`volley.transport ${url}`, JSON.stringify({ transport: 'sse', at: Date.now() - 2 * 24 * 3600 * 1000 }));
  assert.equal(new TransportChoice(['http-stream', 'sse'], url, true).current, 'http-stream');
  store.set(`volley.transport ${url}`, 'garbage');
  assert.equal(new TransportChoice(['http-stream', 'sse'], url, true).current, 'http-stream');
});

test('the HTTP base is derived from the WebSocket URL', () => {
  assert.equal(httpBase('wss://example.com/connection/websocket'), 'https://example.com/connection/');
  assert.equal(httpBase('ws://127.0.0.1:8000/connection/websocket?x=1'), 'http://127.0.0.1:8000/connection/');
  assert.equal(httpBase('https://example.com/rt/'), 'https://example.com/rt/');
});

test('the transports option is checked', () => {
  assert.throws(() => new Client('ws://x/connection/websocket', { transports: [] }), /transports/);
  assert.throws(() => new Client('ws://x/connection/websocket', { transports: ['sse', 'sse'] }), /transports/);
  assert.throws(() => new Client('ws://x/connection/websocket', { transports: ['carrier-pigeon' as 'sse'] }), /transports/);
});
