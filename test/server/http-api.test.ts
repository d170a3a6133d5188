import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpApi, type HttpApi } from '../../src/server/http-api.js';
import { DisconnectCode, WireErrorCode as ErrorCode } from '../../src/wire/index.js';
import { SECRET, hsToken, makeHub, type TestHub } from '../hub/helpers.js';

const KEY = 'k3y';

describe('HTTP API', () => {
  let server: Server;
  let base: string;
  let h: TestHub;
  let api: HttpApi;

  before(async () => {
    h = makeHub({ namespaces: { chat: { presence: true, historySize: 10 } }, auth: { hmacSecret: SECRET } });
    api = createHttpApi(h.hub, { apiKey: KEY, maxBodySize: 1000 });
    server = createServer(api);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function post(path: string, body: unknown, headers: Record<string, string> = { authorization: `apikey ${KEY}` }) {
    const response = await fetch(base + path, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
    assert.match(response.headers.get('content-type') ?? '', /application\/json/);
    return { status: response.status, body: (await response.json()) as any };
  }

  it('publishes to subscribers', async () => {
    const c = await h.client();
    await c.call('subscribe', { channel: 'chat:a' });
    const { status, body } = await post('/api/publish', { channel: 'chat:a', data: { text: 'from http' } });
    assert.equal(status, 200);
    assert.equal(body.result.offset, 1);
    assert.deepEqual(c.newPushes().map((p) => p.data), [{ text: 'from http' }]);
  });

  it('publishes and broadcasts binary data given as b64; bad base64 is 400/107', async () => {
    const c = await h.client();
    await c.call('subscribe', { channel: 'chat:bin' });
    await c.call('subscribe', { channel: 'bin2' });
    const b64 = Buffer.from([0, 255, 10]).toString('base64');
    assert.equal((await post('/api/publish', { channel: 'chat:bin', b64 })).status, 200);
    assert.equal((await post('/api/broadcast', { channels: ['bin2'], b64 })).status, 200);
    assert.deepEqual(c.newPushes().map((p) => [p.pub, p.b64, p.data]), [['chat:bin', b64, undefined], ['bin2', b64, undefined]]);
    const bad = await post('/api/publish', { channel: 'chat:bin', b64: 'AA=' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, ErrorCode.badRequest);
    const both = await post('/api/publish', { channel: 'chat:bin', b64, data: 1 });
    assert.equal(both.body.error.code, ErrorCode.badRequest);
    const history = await post('/api/history', { channel: 'chat:bin' });
    assert.deepEqual(history.body.result.publications.map((p: { b64?: string }) => p.b64), [b64]);
    assert.deepEqual(c.newPushes(), []);
  });

  it('broadcasts to several channels with a result per channel', async () => {
    const c = await h.client();
    await c.call('subscribe', { channel: 'one' });
    await c.call('subscribe', { channel: 'two' });
    const { status, body } = await post('/api/broadcast', { channels: ['one', 'two', 'bad name'], data: 7 });
    assert.equal(status, 200);
    assert.deepEqual(body.result.responses[0], { channel: 'one', result: {} });
    assert.equal(body.result.responses[2].error.code, ErrorCode.badRequest);
    assert.deepEqual(c.newPushes().map((p) => p.pub), ['one', 'two']);
  });

  it('reads presence, presence stats and history', async () => {
    const c = await h.client();
    await c.call('subscribe', { channel: 'chat:p' });
    const presence = await post('/api/presence', { channel: 'chat:p' });
    assert.deepEqual(Object.keys(presence.body.result.clients), [c.connection.id]);
    const stats = await post('/api/presence_stats', { channel: 'chat:p' });
    assert.deepEqual(stats.body.result, { numClients: 1, numUsers: 1 });
    await h.hub.publish('chat:p', 'x');
    const history = await post('/api/history', { channel: 'chat:p', limit: 5 });
    assert.deepEqual(history.body.result.publications, [{ offset: 1, data: 'x' }]);
    const stale = await post('/api/history', { channel: 'chat:p', since: { offset: 0, epoch: 'old' } });
    assert.equal(stale.status, 409);
    assert.equal(stale.body.error.name, 'unrecoverable_position');
  });

  it('disconnects a user or a client', async () => {
    const c = await h.client({ token: await hsToken({ sub: 'victim' }, { expiresAt: h.clock.seconds + 60 }) });
    const d = await h.client();
    const byUser = await post('/api/disconnect', { user: 'victim' });
    assert.deepEqual(byUser.body, { result: {} });
    assert.equal(c.closeCode(), DisconnectCode.forceDisconnect);
    await post('/api/disconnect', { client: d.connection.id, code: 4001, reason: 'bye' });
    assert.deepEqual(d.closed, { code: 4001, reason: 'bye' });
    const neither = await post('/api/disconnect', {});
    assert.equal(neither.status, 400);
    const badCode = await post('/api/disconnect', { user: 'x', code: 1000 });
    assert.equal(badCode.status, 400);
  });

  it('reports info', async () => {
    const { body } = await post('/api/info', {});
    assert.equal(typeof body.result.connections, 'number');
    assert.equal(typeof body.result.stats.publications, 'number');
  });

  it('refuses a missing or wrong API key with 401', async () => {
    const missing = await post('/api/publish', { channel: 'a', data: 1 }, {});
    assert.equal(missing.status, 401);
    assert.equal(missing.body.error.code, ErrorCode.unauthorized);
    const wrong = await post('/api/publish', { channel: 'a', data: 1 }, { authorization: 'apikey nope' });
    assert.equal(wrong.status, 401);
    const scheme = await post('/api/publish', { channel: 'a', data: 1 }, { authorization: `Bearer ${KEY}` });
    assert.equal(scheme.status, 401);
  });

  it('answers JSON errors for bad requests', async () => {
    assert.equal((await post('/api/publish', '{not json')).status, 400);
    assert.equal((await post('/api/publish', '[1]')).status, 400);
    assert.equal((await post('/api/publish', { channel: 'a' })).status, 400);
    const unknownChannel = await post('/api/publish', { channel: 'nope:a', data: 1 });
    assert.equal(unknownChannel.body.error.name, 'unknown_channel');
    const unknown = await post('/api/teleport', {});
    assert.equal(unknown.status, 404);
    const proto = await post('/api/__proto__', {});
    assert.equal(proto.status, 404);
    const tooBig = await post('/api/publish', { channel: 'a', data: 'x'.repeat(2000) });
    assert.equal(tooBig.status, 413);
    const get = await fetch(`${base}/api/publish`);
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
    await get.arrayBuffer();
  });

  it('drain() waits for in-flight calls, then refuses new ones with 503', async () => {
    let release!: () => void;
    h.hub.registerRpc('unused', () => null);
    const originalPresence = h.hub.presence.bind(h.hub);
    h.hub.presence = async (channel: string) => {
      await new Promise<void>((resolve) => (release = resolve));
      return originalPresence(channel);
    };
    const slow = post('/api/presence', { channel: 'chat:p' });
    while (api.inFlight === 0) await new Promise((resolve) => setImmediate(resolve));
    let drained = false;
    const draining = api.drain().then(() => (drained = true));
    const refused = await post('/api/info', {});
    assert.equal(refused.status, 503);
    assert.equal(drained, false);
    release();
    assert.equal((await slow).status, 200);
    await draining;
    assert.equal(api.inFlight, 0);
  });
});

describe('HTTP API limits (issue 12)', () => {
  let server: Server;
  let base: string;
  let h: TestHub;
  const reported: unknown[] = [];

  before(async () => {
    h = makeHub({ limits: { maxPublicationSize: 1_000, maxJsonDepth: 32 } });
    h.hub.onInternalError = (error) => reported.push(error);
    server = createServer(createHttpApi(h.hub, { apiKey: KEY }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function post(path: string, body: string) {
    const response = await fetch(base + path, { method: 'POST', headers: { authorization: `apikey ${KEY}` }, body });
    return { status: response.status, body: (await response.json()) as any };
  }

  it('publish and broadcast honour maxPublicationSize (413 / 112)', async () => {
    const big = JSON.stringify({ channel: 'news', data: 'x'.repeat(5_000) });
    const refused = await post('/api/publish', big);
    assert.equal(refused.status, 413);
    assert.equal(refused.body.error.code, ErrorCode.messageTooLarge);
    const broadcast = await post('/api/broadcast', JSON.stringify({ channels: ['a', 'b'], data: 'x'.repeat(5_000) }));
    assert.equal(broadcast.status, 200);
    assert.deepEqual(broadcast.body.result.responses.map((r: any) => r.error.code), [ErrorCode.messageTooLarge, ErrorCode.messageTooLarge]);
    assert.equal((await post('/api/publish', JSON.stringify({ channel: 'news', data: 'x'.repeat(900) }))).status, 200);
  });

  it('deeply nested data is a bad request (400 / 107), not an internal error', async () => {
    for (const depth of [33, 10_000, 100_000]) {
      const body = `{"channel":"news","data":${'['.repeat(depth)}${']'.repeat(depth)}}`;
      const { status, body: answer } = await post('/api/publish', body);
      assert.equal(status, 400, `depth ${depth}`);
      assert.equal(answer.error.code, ErrorCode.badRequest);
    }
    const fine = `{"channel":"news","data":${'['.repeat(30)}${']'.repeat(30)}}`;
    assert.equal((await post('/api/publish', fine)).status, 200);
    assert.deepEqual(reported, []);
  });
});
