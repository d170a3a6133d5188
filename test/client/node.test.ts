// The client in Node (volley/ws transport) against a real server on 127.0.0.1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as lib from '../../src/client/node.js';
import { Client, ClientCode, ClientErrorCode, DisconnectCode, WireErrorCode as ErrorCode, type VolleyError } from '../../src/client/node.js';
import { Client as BrowserClient } from '../../src/client/index.js';
import { clientScenario, checkReport } from './scenario.js';
import { mintToken, startServer, until, type TestServer } from './helpers.js';

let t: TestServer;
const clients: Client[] = [];

function client(options: ConstructorParameters<typeof Client>[1] = {}): Client {
  const c = new Client(t.url, { minReconnectDelayMs: 20, maxReconnectDelayMs: 200, ...options });
  clients.push(c);
  return c;
}

before(async () => {
  t = await startServer({ allowAnonymous: true });
});

after(async () => {
  for (const c of clients) c.disconnect();
  await t.server.close();
});

test('scenario: connect, subscribe, publish, presence, history, rpc, token refresh', async () => {
  const report = await clientScenario(lib, { url: t.url, token: (user, ttl) => mintToken(user, ttl) });
  checkReport(report, assert);
});

test('a refused token ends in disconnected with the server code, without reconnecting', async () => {
  const c = client({ token: 'not-a-jwt' });
  const reasons: Array<{ code: number; reason: string }> = [];
  let attempts = 0;
  c.on('connecting', () => (attempts += 1));
  c.on('disconnected', (reason) => reasons.push(reason));
  c.connect();
  await assert.rejects(c.ready(), (error: VolleyError) => error.code === DisconnectCode.unauthorized);
  assert.equal(reasons[0]!.code, DisconnectCode.unauthorized);
  assert.ok(reasons[0]!.reason.length > 0, 'a reason is given');
  assert.equal(attempts, 1);
});

test('an expired token with getToken: the client fetches a new one and connects', async () => {
  let calls = 0;
  const c = client({ token: await mintToken('carol', -10), getToken: async () => (calls += 1, mintToken('carol')) });
  c.connect();
  await c.ready();
  assert.equal(calls, 1);
});

test('a server disconnect that says "do not reconnect" is obeyed; a shutdown-like one is not', async () => {
  const c = client({ token: await mintToken('dave') });
  c.connect();
  await c.ready();
  const states: string[] = [];
  c.on('state', ({ newState }) => states.push(newState));
  await t.server.hub.disconnectClient(c.id!, 3000, 'go away for now');
  await until(() => states.includes('connected'), 'reconnect after 3000');
  assert.deepEqual(states, ['connecting', 'connected']);
  const gone = new Promise<{ code: number }>((resolve) => c.once('disconnected', resolve));
  await t.server.hub.disconnectUser('dave');
  assert.equal((await gone).code, DisconnectCode.forceDisconnect);
  assert.equal(c.state, 'disconnected');
});

test('a subscribe the server refuses ends the subscription with the error code', async () => {
  const c = client({ token: await mintToken('erin', 3600, { channels: ['chat:*'] }) });
  c.connect();
  const denied = c.subscribe('live:prices');
  const unknown = c.subscribe('nowhere:x');
  const errors: number[] = [];
  denied.on('error', ({ error }) => errors.push((error as VolleyError).code));
  await assert.rejects(denied.ready(), (error: VolleyError) => error.code === ErrorCode.permissionDenied);
  await assert.rejects(unknown.ready(), (error: VolleyError) => error.code === ErrorCode.unknownChannel);
  assert.deepEqual(errors, [ErrorCode.permissionDenied]);
  assert.equal(denied.state, 'unsubscribed');
});

test('publishes while connecting: queued by default and sent once subscribed; rejected with offlinePublishes reject', async () => {
  const queued = client({ token: await mintToken('frank') });
  const sub = queued.subscribe<{ n: number }>('chat:queue');
  const got: number[] = [];
  sub.on('publication', ({ data }) => got.push(data.n));
  await assert.rejects(sub.publish({ n: 0 }), (error: VolleyError) => error.code === ClientErrorCode.disconnected);
  queued.connect();
  const acks = [1, 2, 3].map((n) => sub.publish({ n }));
  await Promise.all(acks);
  await until(() => got.length === 3, 'queued publications');
  assert.deepEqual(got, [1, 2, 3]);

  const strict = client({ token: await mintToken('grace'), offlinePublishes: 'reject' });
  await assert.rejects(strict.publish('chat:queue', {}), (error: VolleyError) => error.code === ClientErrorCode.disconnected);
  strict.connect();
  await assert.rejects(strict.publish('chat:queue', {}), (error: VolleyError) => error.code === ClientErrorCode.offline);
  await strict.ready();

  const small = client({ token: await mintToken('heidi'), offlineQueueSize: 1 });
  small.connect();
  const first = small.rpc('echo', 1);
  await assert.rejects(small.rpc('echo', 2), (error: VolleyError) => error.code === ClientErrorCode.queueFull);
  assert.deepEqual(await first, { user: 'heidi', data: 1 });
});

test('a command with no reply in time fails with timeout; one on a lost connection with connection_closed', async () => {
  t.server.hub.registerRpc('slow', () => new Promise((resolve) => setTimeout(() => resolve('late'), 300)));
  const c = client({ token: await mintToken('ivan'), timeoutMs: 100 });
  c.connect();
  await c.ready();
  await assert.rejects(c.rpc('slow'), (error: VolleyError) => error.code === ClientErrorCode.timeout);
  const pending = c.rpc('slow', undefined, 5_000);
  await t.server.hub.disconnectClient(c.id!, 3000, 'bye');
  await assert.rejects(pending, (error: VolleyError) => error.code === ClientErrorCode.connectionClosed);
  await c.ready();
  assert.equal(await c.rpc('slow', undefined, 5_000), 'late');
});

test('the browser entry with only WebSocket allowed and none anywhere: disconnected with a reason, not a crash', { skip: typeof (globalThis as { WebSocket?: unknown }).WebSocket !== 'undefined' && 'this Node has globalThis.WebSocket' }, async () => {
  const c = new BrowserClient(t.url, { transports: ['websocket'] });
  const gone = new Promise<{ code: number; reason: string }>((resolve) => c.once('disconnected', resolve));
  c.connect();
  const reason = await gone;
  assert.equal(reason.code, ClientCode.noWebSocket);
  assert.match(reason.reason, /WebSocket option/);
});
