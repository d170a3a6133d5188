import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DisconnectCode, WireErrorCode as ErrorCode } from '../../src/wire/index.js';
import { TestClient, hsToken, makeHub, SECRET, settle } from './helpers.js';

const auth = { hmacSecret: SECRET };

describe('connect', () => {
  it('accepts an anonymous connection when allowed', async () => {
    const { hub } = makeHub({ allowAnonymous: true });
    const client = new TestClient(hub);
    const result = await client.call('connect', { name: 'test', version: '1.0' });
    assert.equal(typeof result.client, 'string');
    assert.equal(result.expires, undefined);
    assert.equal(client.connection.user, '');
    assert.equal(client.connection.clientName, 'test');
    assert.equal(hub.connectionCount, 1);
  });

  it('refuses a connection without token when anonymous is off, and closes it', async () => {
    const { hub } = makeHub({ allowAnonymous: false, auth });
    const client = new TestClient(hub);
    await client.expectError('connect', {}, ErrorCode.unauthorized);
    assert.equal(client.closeCode(), DisconnectCode.unauthorized);
    assert.equal(hub.connectionCount, 0);
  });

  it('refuses a token when auth is not configured', async () => {
    const { hub } = makeHub();
    const client = new TestClient(hub);
    await client.expectError('connect', { token: 'abc' }, ErrorCode.unauthorized);
  });

  it('accepts a valid token: sub is the user, exp is reported', async () => {
    const { hub, clock } = makeHub({ allowAnonymous: false, auth });
    const token = await hsToken({ sub: '42', info: { name: 'Ada' } }, { expiresAt: clock.seconds + 60 });
    const c = new TestClient(hub);
    const result = await c.call('connect', { token });
    assert.equal(result.expires, clock.seconds + 60);
    assert.equal(c.connection.user, '42');
    assert.deepEqual(c.connection.connInfo, { name: 'Ada' });
  });

  it('answers already_connected to a second connect', async () => {
    const { client } = makeHub();
    const c = await client();
    await c.expectError('connect', {}, ErrorCode.alreadyConnected);
    assert.equal(c.closed, undefined);
  });

  it('answers not_connected to commands before connect, but ping works', async () => {
    const { hub } = makeHub();
    const c = new TestClient(hub);
    await c.expectError('subscribe', { channel: 'news' }, ErrorCode.notConnected);
    assert.deepEqual(await c.call('ping'), {});
  });

  it('lets commands sent right behind connect wait for it', async () => {
    const { hub, clock } = makeHub({ auth });
    const token = await hsToken({ sub: '7' }, { expiresAt: clock.seconds + 60 });
    const c = new TestClient(hub);
    c.send(JSON.stringify({ id: 100, method: 'connect', params: { token } }));
    const reply = await c.request('subscribe', { channel: 'news' });
    assert.deepEqual(reply.result, { recoverable: false });
    assert.deepEqual(c.messages().map((m) => m.id), [100, 1]);
  });

  it('closes a connection that never sends connect (one shared sweep, no timer)', async () => {
    const { hub, clock } = makeHub({ connectTimeoutMs: 5_000 });
    const idle = new TestClient(hub);
    const connected = new TestClient(hub);
    await connected.call('connect', {});
    clock.advance(4_000);
    hub.sweep();
    assert.equal(idle.closed, undefined);
    clock.advance(2_000);
    hub.sweep();
    assert.equal(idle.closeCode(), DisconnectCode.connectTimeout);
    assert.equal(connected.closed, undefined);
    assert.equal(hub.stats.connectTimeouts, 1);
  });
});

describe('auth refusals', () => {
  it('expired token: token_expired reply and close 3502', async () => {
    const { hub, clock } = makeHub({ allowAnonymous: false, auth });
    const token = await hsToken({ sub: '1' }, { expiresAt: clock.seconds - 1 });
    const c = new TestClient(hub);
    await c.expectError('connect', { token }, ErrorCode.tokenExpired);
    assert.equal(c.closeCode(), DisconnectCode.tokenExpired);
  });

  it('bad signature: unauthorized and close 3500', async () => {
    const { hub, clock } = makeHub({ allowAnonymous: false, auth });
    const token = await hsToken({ sub: '1' }, { expiresAt: clock.seconds + 60, secret: 'another-secret-another-secret-xx' });
    const c = new TestClient(hub);
    await c.expectError('connect', { token }, ErrorCode.unauthorized);
    assert.equal(c.closeCode(), DisconnectCode.unauthorized);
  });

  it('wrong audience: unauthorized', async () => {
    const { hub, clock } = makeHub({ allowAnonymous: false, auth: { ...auth, audience: 'volley' } });
    const wrong = await hsToken({ sub: '1' }, { expiresAt: clock.seconds + 60, audience: 'other' });
    await new TestClient(hub).expectError('connect', { token: wrong }, ErrorCode.unauthorized);
    const right = await hsToken({ sub: '1' }, { expiresAt: clock.seconds + 60, audience: 'volley' });
    await new TestClient(hub).call('connect', { token: right });
  });

  it('garbage and missing sub: unauthorized', async () => {
    const { hub, clock } = makeHub({ allowAnonymous: false, auth });
    await new TestClient(hub).expectError('connect', { token: 'not.a.jwt' }, ErrorCode.unauthorized);
    const noSub = await hsToken({}, { expiresAt: clock.seconds + 60 });
    await new TestClient(hub).expectError('connect', { token: noSub }, ErrorCode.unauthorized);
    const badChannels = await hsToken({ sub: '1', channels: 'chat:*' }, { expiresAt: clock.seconds + 60 });
    await new TestClient(hub).expectError('connect', { token: badChannels }, ErrorCode.unauthorized);
  });
});

describe('token expiry and refresh', () => {
  it('disconnects with 3502 once the token expires without refresh', async () => {
    const { hub, clock } = makeHub({ auth });
    const token = await hsToken({ sub: '1' }, { expiresAt: clock.seconds + 30 });
    const c = new TestClient(hub);
    await c.call('connect', { token });
    clock.advance(29_000);
    hub.sweep();
    assert.equal(c.closed, undefined);
    clock.advance(2_000);
    hub.sweep();
    assert.equal(c.closeCode(), DisconnectCode.tokenExpired);
    assert.equal(hub.stats.tokenExpiredDisconnects, 1);
  });

  it('refresh with a new token moves the deadline', async () => {
    const { hub, clock } = makeHub({ auth });
    const c = new TestClient(hub);
    await c.call('connect', { token: await hsToken({ sub: '1' }, { expiresAt: clock.seconds + 30 }) });
    clock.advance(20_000);
    const later = clock.seconds + 60;
    const result = await c.call('refresh', { token: await hsToken({ sub: '1' }, { expiresAt: later }) });
    assert.deepEqual(result, { expires: later });
    clock.advance(20_000);
    hub.sweep();
    assert.equal(c.closed, undefined);
    clock.advance(61_000);
    hub.sweep();
    assert.equal(c.closeCode(), DisconnectCode.tokenExpired);
  });

  it('refuses a refresh token of another user, or an expired one, and keeps the connection', async () => {
    const { hub, clock } = makeHub({ auth });
    const c = new TestClient(hub);
    await c.call('connect', { token: await hsToken({ sub: '1' }, { expiresAt: clock.seconds + 30 }) });
    await c.expectError('refresh', { token: await hsToken({ sub: '2' }, { expiresAt: clock.seconds + 60 }) }, ErrorCode.unauthorized);
    await c.expectError('refresh', { token: await hsToken({ sub: '1' }, { expiresAt: clock.seconds - 1 }) }, ErrorCode.tokenExpired);
    await c.expectError('refresh', {}, ErrorCode.badRequest);
    assert.equal(c.closed, undefined);
  });

  it('refresh without auth configured is unauthorized', async () => {
    const { client } = makeHub();
    const c = await client();
    await c.expectError('refresh', { token: 'x' }, ErrorCode.unauthorized);
  });

  it('drops the connection from every registry when it closes', async () => {
    const { hub, clock } = makeHub({ auth });
    const c = new TestClient(hub);
    await c.call('connect', { token: await hsToken({ sub: '1' }, { expiresAt: clock.seconds + 30 }) });
    await c.call('subscribe', { channel: 'news' });
    c.connection.handleClose();
    await settle();
    assert.equal(hub.connectionCount, 0);
    assert.equal(hub.channelCount, 0);
    clock.advance(60_000);
    hub.sweep();
    assert.equal(c.closed, undefined, 'no close is sent on a session that is already gone');
  });
});
