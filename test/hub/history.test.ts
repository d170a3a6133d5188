import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WireErrorCode as ErrorCode } from '../../src/wire/index.js';
import { MemoryBroker } from '../../src/broker/memory.js';
import { eventually, makeHub, publicationOf, settle } from './helpers.js';

const namespaces = { chat: { historySize: 100, historyTtlMs: 600_000 }, small: { historySize: 5 }, plain: {}, signed: { historySize: 10, publisherInfo: true } };

describe('history command', () => {
  it('returns publications in order with offsets and the position', async () => {
    const { hub, client } = makeHub({ namespaces });
    const c = await client();
    await c.call('subscribe', { channel: 'chat:a' });
    for (let i = 1; i <= 5; i++) await hub.publish('chat:a', { i });
    // The channel had no stream when subscribed; the first publication brings its epoch.
    const { epoch } = c.pushes()[0];
    const all = await c.call('history', { channel: 'chat:a' });
    assert.equal(all.epoch, epoch);
    assert.equal(all.offset, 5);
    assert.deepEqual(all.publications.map((p: any) => [p.offset, p.data.i]), [[1, 1], [2, 2], [3, 3], [4, 4], [5, 5]]);
    const lastTwo = await c.call('history', { channel: 'chat:a', limit: 2, direction: 'backward' });
    assert.deepEqual(lastTwo.publications.map((p: any) => p.offset), [5, 4]);
    const after3 = await c.call('history', { channel: 'chat:a', since: { offset: 3, epoch } });
    assert.deepEqual(after3.publications.map((p: any) => p.offset), [4, 5]);
    const positionOnly = await c.call('history', { channel: 'chat:a', limit: 0 });
    assert.deepEqual(positionOnly, { publications: [], offset: 5, epoch });
  });

  it('keeps the publisher info of client publications where the namespace asks for it', async () => {
    const { client } = makeHub({ namespaces });
    const c = await client();
    await c.call('subscribe', { channel: 'signed:a' });
    await c.call('publish', { channel: 'signed:a', data: 'mine' });
    const { publications } = await c.call('history', { channel: 'signed:a' });
    assert.deepEqual(publications, [{ offset: 1, data: 'mine', info: { client: c.connection.id, user: '' } }]);
  });

  it('keeps no publisher info by default', async () => {
    const { client } = makeHub({ namespaces });
    const c = await client();
    await c.call('subscribe', { channel: 'chat:a' });
    await c.call('publish', { channel: 'chat:a', data: 'mine' });
    const { publications } = await c.call('history', { channel: 'chat:a' });
    assert.deepEqual(publications, [{ offset: 1, data: 'mine' }]);
  });

  it('refuses a position from another epoch or older than the history', async () => {
    const { hub, client } = makeHub({ namespaces });
    const c = await client();
    const { epoch } = await c.call('subscribe', { channel: 'small:a' });
    for (let i = 1; i <= 12; i++) await hub.publish('small:a', i);
    await c.expectError('history', { channel: 'small:a', since: { offset: 2, epoch } }, ErrorCode.unrecoverablePosition);
    await c.expectError('history', { channel: 'small:a', since: { offset: 10, epoch: 'other' } }, ErrorCode.unrecoverablePosition);
    await c.expectError('history', { channel: 'small:a', since: { offset: 99, epoch } }, ErrorCode.unrecoverablePosition);
    const kept = await c.call('history', { channel: 'small:a', since: { offset: 7, epoch } });
    assert.deepEqual(kept.publications.map((p: any) => p.offset), [8, 9, 10, 11, 12]);
  });

  it('needs a subscription, history in the namespace and valid params', async () => {
    const { client } = makeHub({ namespaces });
    const c = await client();
    await c.expectError('history', { channel: 'chat:a' }, ErrorCode.notSubscribed);
    await c.call('subscribe', { channel: 'plain:a' });
    await c.expectError('history', { channel: 'plain:a' }, ErrorCode.notAvailable);
    await c.call('subscribe', { channel: 'chat:a' });
    await c.expectError('history', { channel: 'chat:a', limit: -1 }, ErrorCode.badRequest);
    await c.expectError('history', { channel: 'chat:a', direction: 'sideways' }, ErrorCode.badRequest);
    await c.expectError('history', { channel: 'chat:a', since: { offset: 1 } }, ErrorCode.badRequest);
  });

  it('caps limit at the history size', async () => {
    const { hub, client } = makeHub({ namespaces });
    const c = await client();
    await c.call('subscribe', { channel: 'small:a' });
    for (let i = 1; i <= 8; i++) await hub.publish('small:a', i);
    const result = await c.call('history', { channel: 'small:a', limit: 1000 });
    assert.equal(result.publications.length, 5);
  });
});

describe('recovery', () => {
  it('a cut-off subscriber gets exactly the 50 missed publications, in order, without duplicates', async () => {
    const { hub, client } = makeHub({ namespaces });
    const first = await client();
    await first.call('subscribe', { channel: 'chat:live' });
    for (let i = 1; i <= 10; i++) await hub.publish('chat:live', { n: i });
    const seen = first.pushes().map(publicationOf);
    const last = seen[seen.length - 1]!;
    const { epoch } = await first.call('history', { channel: 'chat:live', limit: 0 });
    const position = { offset: last.offset, epoch };
    first.connection.handleClose();
    await settle();

    for (let i = 11; i <= 60; i++) await hub.publish('chat:live', { n: i });

    const again = await client();
    const result = await again.call('subscribe', { channel: 'chat:live', since: position });
    assert.equal(result.recovered, true);
    assert.equal(result.epoch, epoch);
    assert.equal(result.offset, 60);
    assert.equal(result.publications.length, 50);
    assert.deepEqual(result.publications.map((p: any) => p.data.n), Array.from({ length: 50 }, (_, i) => 11 + i));
    assert.deepEqual(result.publications.map((p: any) => p.offset), Array.from({ length: 50 }, (_, i) => 11 + i));
    assert.deepEqual(again.pushes(), [], 'nothing is delivered twice as a push');

    await hub.publish('chat:live', { n: 61 });
    assert.deepEqual(again.newPushes().map((p) => p.offset), [61], 'live delivery continues after the recovered ones');
  });

  it('a position older than the history gets recovered: false', async () => {
    const { hub, client } = makeHub({ namespaces });
    const c = await client();
    await c.call('subscribe', { channel: 'small:x' });
    for (let i = 1; i <= 12; i++) await hub.publish('small:x', i);
    const { epoch } = c.pushes()[0];
    c.connection.handleClose();
    const again = await client();
    const result = await again.call('subscribe', { channel: 'small:x', since: { offset: 0, epoch } });
    assert.deepEqual(result, { recoverable: true, epoch, offset: 12, recovered: false, publications: [] });
  });

  it('a position from another epoch gets recovered: false', async () => {
    const { hub, client } = makeHub({ namespaces });
    await hub.publish('chat:y', 1);
    const c = await client();
    const result = await c.call('subscribe', { channel: 'chat:y', since: { offset: 1, epoch: 'gone' } });
    assert.equal(result.recovered, false);
    assert.deepEqual(result.publications, []);
  });

  it('a position that is current recovers nothing, successfully', async () => {
    const { hub, client } = makeHub({ namespaces });
    const c = await client();
    const { epoch } = await c.call('subscribe', { channel: 'chat:z' });
    await hub.publish('chat:z', 1);
    const again = await client();
    const result = await again.call('subscribe', { channel: 'chat:z', since: { offset: 1, epoch } });
    assert.deepEqual([result.recovered, result.publications], [true, []]);
  });

  it('a channel without history answers recoverable: false, recovered: false', async () => {
    const { client } = makeHub({ namespaces });
    const c = await client();
    assert.deepEqual(await c.call('subscribe', { channel: 'plain:a', since: { offset: 3, epoch: 'e' } }), { recoverable: false, recovered: false });
  });

  it('publications racing with a recovering subscribe are delivered once, after the reply', async () => {
    // A broker whose history read waits until the test opens the gate, so publications
    // land while the subscription is registered but its reply is not sent yet.
    let openGate!: () => void;
    let gated = false;
    class GatedBroker extends MemoryBroker {
      override async history(...args: Parameters<MemoryBroker['history']>) {
        if (gated) await new Promise<void>((resolve) => (openGate = resolve));
        return super.history(...args);
      }
    }
    const { hub, client } = makeHub({ namespaces, broker: new GatedBroker({ pruneIntervalMs: 0 }) });
    const c = await client();
    const { epoch } = await c.call('subscribe', { channel: 'chat:race' });
    await c.call('unsubscribe', { channel: 'chat:race' });
    for (let i = 1; i <= 3; i++) await hub.publish('chat:race', i);
    gated = true;
    c.send(JSON.stringify({ id: 900, method: 'subscribe', params: { channel: 'chat:race', since: { offset: 1, epoch } } }));
    await eventually(() => openGate !== undefined);
    gated = false;
    await hub.publish('chat:race', 4);
    await hub.publish('chat:race', 5);
    assert.equal(c.connection.subscriptions.get('chat:race')!.buffer?.length, 2, 'pushes wait for the reply');
    openGate();
    await settle();
    await hub.publish('chat:race', 6);
    const messages = c.messages();
    const replyIndex = messages.findIndex((m) => m.id === 900);
    const reply = messages[replyIndex];
    assert.equal(reply.result.recovered, true);
    const fromReply = reply.result.publications.map((p: any) => p.offset);
    assert.deepEqual(fromReply, [2, 3, 4, 5], 'the history read happened after 4 and 5 were stored');
    const pushed = messages.slice(replyIndex + 1).filter((m) => typeof m.pub === 'string').map((m) => m.offset);
    assert.deepEqual(pushed, [6], 'buffered 4 and 5 are not sent twice');
  });
});
