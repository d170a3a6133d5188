import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DisconnectCode, WireErrorCode as ErrorCode } from '../../src/wire/index.js';
import { eventually, makeHub } from './helpers.js';

describe('limits', () => {
  it('closes with 3504 on a frame over maxMessageSize (counted in UTF-8 bytes)', async () => {
    const { client } = makeHub({ limits: { maxMessageSize: 100 } });
    const fits = await client();
    const text = JSON.stringify({ id: 1, method: 'ping', params: { pad: 'x'.repeat(50) } });
    fits.send(text);
    assert.equal(fits.closed, undefined);
    const ascii = await client();
    ascii.send(JSON.stringify({ id: 1, method: 'ping', params: { pad: 'x'.repeat(100) } }));
    assert.equal(ascii.closeCode(), DisconnectCode.messageTooLarge);
    const multibyte = await client();
    const wide = JSON.stringify({ id: 1, method: 'ping', params: { pad: 'é'.repeat(40) } });
    assert.ok(wide.length <= 100 && Buffer.byteLength(wide) > 100);
    multibyte.send(wide);
    assert.equal(multibyte.closeCode(), DisconnectCode.messageTooLarge);
  });

  it('answers message_too_large for publication data over maxPublicationSize', async () => {
    const { client } = makeHub({ limits: { maxPublicationSize: 20 } });
    const c = await client();
    await c.call('subscribe', { channel: 'news' });
    await c.call('publish', { channel: 'news', data: 'x'.repeat(18) });
    await c.expectError('publish', { channel: 'news', data: 'x'.repeat(19) }, ErrorCode.messageTooLarge);
  });

  it('rate-limits publishes per connection with a token bucket', async () => {
    const { client, clock } = makeHub({ limits: { publishRate: 2, publishBurst: 3 } });
    const c = await client();
    const other = await client();
    await c.call('subscribe', { channel: 'news' });
    await other.call('subscribe', { channel: 'news' });
    for (let i = 0; i < 3; i++) await c.call('publish', { channel: 'news', data: i });
    await c.expectError('publish', { channel: 'news', data: 3 }, ErrorCode.tooManyRequests);
    await other.call('publish', { channel: 'news', data: 'other connection has its own bucket' });
    clock.advance(500);
    await c.call('publish', { channel: 'news', data: 4 });
    await c.expectError('publish', { channel: 'news', data: 5 }, ErrorCode.tooManyRequests);
  });

  it('rate-limits every other command per connection with a token bucket of its own', async () => {
    const { client, clock } = makeHub({ limits: { commandRate: 2, commandBurst: 3, publishRate: 100, publishBurst: 100 } });
    const c = await client(); // connect took one token
    const other = await client();
    await c.call('subscribe', { channel: 'news' });
    await c.call('ping');
    await c.expectError('ping', undefined, ErrorCode.tooManyRequests);
    // Refused before its params are read: history is off here, yet the answer is 111, not 108.
    await c.expectError('history', { channel: 'news' }, ErrorCode.tooManyRequests);
    await c.call('publish', { channel: 'news', data: 'publishes count against publishRate only' });
    await other.call('ping');
    clock.advance(500);
    await c.call('ping');
    await c.expectError('ping', undefined, ErrorCode.tooManyRequests);
    assert.equal(c.closeCode(), undefined, 'refused, not disconnected');
  });

  it('answers 111 at once to a command over maxPendingCommands, and runs commands again once they finish', async () => {
    const { hub, client } = makeHub({ limits: { maxPendingCommands: 3, commandBurst: 100 } });
    const releases: Array<() => void> = [];
    hub.registerRpc('slow', () => new Promise<unknown>((resolve) => releases.push(() => resolve('done'))));
    const c = await client();
    const ids = [1, 2, 3].map((n) => n + 100);
    for (const id of ids) c.send(JSON.stringify({ id, method: 'rpc', params: { method: 'slow' } }));
    await eventually(() => releases.length === 3);
    const refused = await c.request('ping');
    assert.equal(refused.error?.code, ErrorCode.tooManyRequests);
    assert.match(refused.error.message, /in flight/);
    for (const release of releases.splice(0)) release();
    await eventually(() => ids.every((id) => c.messages().some((m) => m.id === id)));
    assert.deepEqual(ids.map((id) => c.messages().find((m) => m.id === id).result), ['done', 'done', 'done'].map((data) => ({ data })));
    await c.call('ping');
    assert.equal(c.closeCode(), undefined);
  });

  it('counts a failed command as finished', async () => {
    const { hub, client } = makeHub({ limits: { maxPendingCommands: 1, commandBurst: 100 } });
    hub.registerRpc('fails', () => Promise.reject(new Error('boom')));
    const c = await client();
    for (let i = 0; i < 5; i++) await c.expectError('rpc', { method: 'fails' }, ErrorCode.internal);
    await c.call('ping');
  });

  it('disconnects a slow consumer with 3002 and counts it; others keep receiving', async () => {
    const { hub, client } = makeHub({ limits: { highWaterMark: 1000 } });
    const slow = await client();
    const fast = await client();
    await slow.call('subscribe', { channel: 'news' });
    await fast.call('subscribe', { channel: 'news' });
    await hub.publish('news', 1);
    // The slow client stops reading: what is sent to it stays in its transport's buffer.
    slow.session.stalled = true;
    const big = 'x'.repeat(600);
    await hub.publish('news', big);
    assert.equal(slow.closeCode(), undefined, 'about 650 bytes held: under the mark');
    await hub.publish('news', big);
    assert.equal(slow.closeCode(), DisconnectCode.slowConsumer, 'the push that passes 1000 bytes cuts it');
    assert.equal(hub.stats.slowConsumerDisconnects, 1);
    await hub.publish('news', 3);
    assert.deepEqual(fast.pushes().map((p) => p.data), [1, big, big, 3]);
    assert.equal(slow.pushes().length, 3, 'nothing more is queued for the closed session');
  });

  it('rejects bad limit options at construction', () => {
    assert.throws(() => makeHub({ limits: { publishRate: 0 } }), TypeError);
    assert.throws(() => makeHub({ namespaces: { 'bad ns': {} } }), TypeError);
    assert.throws(() => makeHub({ namespaces: { a: { historySize: -1 } } }), TypeError);
    assert.throws(() => makeHub({ namespaces: { a: { publish: 'everyone' as never } } }), TypeError);
  });
});
