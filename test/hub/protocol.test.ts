import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HubError } from '../../src/hub/errors.js';
import { DisconnectCode, WireErrorCode as ErrorCode, ErrorName } from '../../src/wire/index.js';
import { SECRET, TestClient, hsToken, makeHub, settle } from './helpers.js';

describe('bad input', () => {
  for (const [label, text] of [
    ['not JSON', '{"id":1,'],
    ['a JSON array', '[{"id":1,"method":"ping"}]'],
    ['a JSON string', '"ping"'],
    ['no id', '{"method":"ping"}'],
    ['a string id', '{"id":"1","method":"ping"}'],
    ['a negative id', '{"id":-4,"method":"ping"}'],
  ] as const) {
    it(`closes with 3501 on ${label}`, async () => {
      const { hub } = makeHub();
      const c = new TestClient(hub);
      c.send(text);
      assert.equal(c.closeCode(), DisconnectCode.badRequest);
      assert.equal(c.session.sent.length, 0);
      assert.equal(hub.connectionCount, 0);
      c.send('{"id":1,"method":"ping"}');
      assert.equal(c.session.sent.length, 0, 'nothing after close');
    });
  }

  it('answers an unknown command with unknown_command, and keeps the connection', async () => {
    const { client } = makeHub();
    const c = await client();
    const error = await c.expectError('teleport', {}, ErrorCode.unknownCommand);
    assert.equal(error.name, 'unknown_command');
    assert.equal(c.closed, undefined);
  });

  it('answers params that are not an object with bad_request', async () => {
    const { client } = makeHub();
    const c = await client();
    await c.expectError('subscribe', 'news', ErrorCode.badRequest);
    await c.expectError('subscribe', [1], ErrorCode.badRequest);
    await c.expectError('subscribe', { channel: 5 }, ErrorCode.badRequest);
  });

  it('never throws out of handleText, whatever comes in', async () => {
    const { client } = makeHub();
    const c = await client();
    const samples = ['', ' ', 'null', '0', '{}', '{"id":1}', '{"id":1,"method":null}', '{"id":1,"method":"publish","params":{"channel":"x","data":{"a":[1,{"b":null}]}}}', '\u0000', '{"id":1e400,"method":"ping"}'];
    for (const text of samples) {
      const fresh = await client();
      assert.doesNotThrow(() => fresh.send(text));
    }
    assert.doesNotThrow(() => c.send('{"id":9,"method":"ping"}'));
    await settle();
  });
});

describe('ping', () => {
  it('answers with an empty result, before and after connect', async () => {
    const { hub } = makeHub();
    const c = new TestClient(hub);
    assert.deepEqual(await c.call('ping'), {});
    await c.call('connect', {});
    assert.deepEqual(await c.call('ping', {}), {});
  });
});

describe('rpc', () => {
  it('calls a registered handler with the caller and returns its data', async () => {
    const { hub, client } = makeHub();
    hub.registerRpc('sum', ({ data, user, client: id }) => {
      const { a, b } = data as { a: number; b: number };
      return { sum: a + b, user, id };
    });
    const c = await client();
    assert.deepEqual(await c.call('rpc', { method: 'sum', data: { a: 2, b: 3 } }), { data: { sum: 5, user: '', id: c.connection.id } });
  });

  it('supports async handlers and returns null for no result', async () => {
    const { hub, client } = makeHub();
    hub.registerRpc('nothing', async () => undefined);
    const c = await client();
    assert.deepEqual(await c.call('rpc', { method: 'nothing' }), { data: null });
  });

  it('answers unknown methods with unknown_rpc_method', async () => {
    const { client } = makeHub();
    const c = await client();
    await c.expectError('rpc', { method: 'nope' }, ErrorCode.unknownRpcMethod);
    await c.expectError('rpc', {}, ErrorCode.badRequest);
  });

  it('passes a HubError through, and hides other errors behind internal', async () => {
    const { hub, client } = makeHub();
    const reported: unknown[] = [];
    hub.onInternalError = (e) => reported.push(e);
    hub.registerRpc('deny', () => {
      throw new HubError('permissionDenied', 'not you');
    });
    hub.registerRpc('crash', () => {
      throw new Error('database password is hunter2');
    });
    const c = await client();
    const denied = await c.expectError('rpc', { method: 'deny' }, ErrorCode.permissionDenied);
    assert.equal(denied.message, 'not you');
    const crashed = await c.expectError('rpc', { method: 'crash' }, ErrorCode.internal);
    assert.equal(crashed.name, ErrorName[ErrorCode.internal]);
    assert.doesNotMatch(crashed.message, /hunter2/);
    assert.equal(reported.length, 1);
    assert.equal(hub.stats.internalErrors, 1);
  });
});

describe('broker failures', () => {
  it('become internal error replies, not crashes', async () => {
    const { hub, client } = makeHub();
    const c = await client();
    await c.call('subscribe', { channel: 'news' });
    hub.broker.publish = async () => {
      throw new Error('engine down');
    };
    await c.expectError('publish', { channel: 'news', data: 1 }, ErrorCode.internal);
    hub.broker.subscribe = async () => {
      throw new Error('engine down');
    };
    await c.expectError('subscribe', { channel: 'other' }, ErrorCode.internal);
    assert.equal(c.connection.subscriptions.has('other'), false);
    assert.equal(hub.channelCount, 1);
  });
});

describe('disconnect and shutdown', () => {
  it('disconnectUser closes every connection of that user with 3503, and no other', async () => {
    const { hub, clock, client } = makeHub({ auth: { hmacSecret: SECRET } });
    const token = (sub: string) => hsToken({ sub }, { expiresAt: clock.seconds + 60 });
    const a1 = await client({ token: await token('u1') });
    const a2 = await client({ token: await token('u1') });
    const b = await client({ token: await token('u2') });
    const anonymous = await client();
    await hub.disconnectUser('nobody');
    assert.equal(a1.closed, undefined);
    await hub.disconnectUser('u1');
    assert.equal(a1.closeCode(), DisconnectCode.forceDisconnect);
    assert.equal(a2.closeCode(), DisconnectCode.forceDisconnect);
    assert.equal(b.closed, undefined);
    assert.equal(anonymous.closed, undefined);
  });

  it('disconnectClient closes one connection', async () => {
    const { hub, client } = makeHub();
    const a = await client();
    const b = await client();
    await hub.disconnectClient(a.connection.id, 4000, 'custom');
    assert.deepEqual(a.closed, { code: 4000, reason: 'custom' });
    assert.equal(b.closed, undefined);
  });

  it('close() closes every client with 1001 and refuses new sessions', async () => {
    const { hub, client } = makeHub();
    const a = await client();
    await a.call('subscribe', { channel: 'news' });
    await hub.close();
    assert.equal(a.closeCode(), DisconnectCode.shutdown);
    assert.equal(hub.connectionCount, 0);
    const late = new TestClient(hub);
    assert.equal(late.closeCode(), DisconnectCode.shutdown);
  });
});
