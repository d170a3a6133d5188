// Issue 12: a subscription token is not a connection token, and the other way round.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DisconnectCode, TOKEN_KIND_CLAIM, WireErrorCode } from '../../src/wire/index.js';
import { SECRET, TestClient, hsToken, makeHub } from './helpers.js';

function authHub() {
  return makeHub({ auth: { hmacSecret: SECRET }, allowAnonymous: false, namespaces: { team: {} } });
}

describe('token kinds', () => {
  it('a subscription token is refused at connect with 118 and the connection closes with 3500', async () => {
    const { hub, clock } = authHub();
    for (const claims of [
      { sub: 'alice', channel: '$team:plans' },
      { sub: 'alice', channel: '$team:plans', [TOKEN_KIND_CLAIM]: 'subscription' },
    ]) {
      const c = new TestClient(hub);
      const reply = await c.request('connect', { token: await hsToken(claims, { expiresAt: clock.seconds + 60 }) });
      assert.equal(reply.error.code, WireErrorCode.wrongTokenKind);
      assert.equal(reply.error.name, 'wrong_token_kind');
      assert.equal(c.closeCode(), DisconnectCode.unauthorized);
    }
  });

  it('a connection token is refused as a subscription token with 118, whatever its claims', async () => {
    const { clock, client } = authHub();
    const c = await client({ token: await hsToken({ sub: 'alice', [TOKEN_KIND_CLAIM]: 'connection' }, { expiresAt: clock.seconds + 60 }) });
    const forged = await hsToken({ sub: 'alice', channel: '$team:plans', [TOKEN_KIND_CLAIM]: 'connection' }, { expiresAt: clock.seconds + 60 });
    await c.expectError('subscribe', { channel: '$team:plans', token: forged }, WireErrorCode.wrongTokenKind);
    const plain = await hsToken({ sub: 'alice' }, { expiresAt: clock.seconds + 60 });
    await c.expectError('subscribe', { channel: '$team:plans', token: plain }, WireErrorCode.wrongTokenKind);
    assert.equal(c.connection.subscriptions.size, 0);
    assert.equal(c.closed, undefined, 'a refused subscribe does not end the connection');
  });

  it('a subscription token cannot refresh a connection', async () => {
    const { clock, client } = authHub();
    const c = await client({ token: await hsToken({ sub: 'alice' }, { expiresAt: clock.seconds + 60 }) });
    const subscriptionToken = await hsToken({ sub: 'alice', channel: '$team:plans' }, { expiresAt: clock.seconds + 600 });
    await c.expectError('refresh', { token: subscriptionToken }, WireErrorCode.wrongTokenKind);
  });

  it('an unknown kind is refused in both places', async () => {
    const { hub, clock, client } = authHub();
    const odd = await hsToken({ sub: 'alice', channel: '$team:plans', [TOKEN_KIND_CLAIM]: 'admin' }, { expiresAt: clock.seconds + 60 });
    const refused = new TestClient(hub);
    assert.equal((await refused.request('connect', { token: odd })).error.code, WireErrorCode.wrongTokenKind);
    const c = await client({ token: await hsToken({ sub: 'alice' }, { expiresAt: clock.seconds + 60 }) });
    await c.expectError('subscribe', { channel: '$team:plans', token: odd }, WireErrorCode.wrongTokenKind);
  });

  it('tokens of the right kind, explicit or inferred, are accepted', async () => {
    const { clock, client } = authHub();
    const c = await client({ token: await hsToken({ sub: 'alice', [TOKEN_KIND_CLAIM]: 'connection' }, { expiresAt: clock.seconds + 60 }) });
    const explicit = await hsToken({ sub: 'alice', channel: '$team:plans', [TOKEN_KIND_CLAIM]: 'subscription' }, { expiresAt: clock.seconds + 60 });
    await c.call('subscribe', { channel: '$team:plans', token: explicit });
    const inferred = await hsToken({ sub: 'alice', channel: '$team:notes' }, { expiresAt: clock.seconds + 60 });
    await c.call('subscribe', { channel: '$team:notes', token: inferred });
  });
});
