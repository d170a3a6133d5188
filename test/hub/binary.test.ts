// Binary publications: `b64` in the publish command, hub.publish(channel, bytes), and `b64`
// in pushes, history and recovery. Limits count the decoded bytes; bad base64 is 107.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WireErrorCode as ErrorCode } from '../../src/wire/index.js';
import { makeHub, publicationOf } from './helpers.js';

const namespaces = { chat: { historySize: 10 } };
const BYTES = Uint8Array.from([0, 1, 2, 250, 255]);
const B64 = Buffer.from(BYTES).toString('base64');

describe('binary publications', () => {
  it('a client publishes b64 and every subscriber gets b64, not data', async () => {
    const { client } = makeHub({ namespaces });
    const alice = await client();
    const bob = await client();
    await alice.call('subscribe', { channel: 'news' });
    await bob.call('subscribe', { channel: 'news' });
    assert.deepEqual(await alice.call('publish', { channel: 'news', b64: B64 }), {});
    assert.deepEqual(bob.newPushes(), [
      { pub: 'news', b64: B64 },
    ]);
  });

  it('hub.publish with a Uint8Array or a Buffer publishes binary; other data stays JSON', async () => {
    const { hub, client } = makeHub({ namespaces });
    const bob = await client();
    await bob.call('subscribe', { channel: 'news' });
    await hub.publish('news', BYTES);
    await hub.publish('news', Buffer.from(BYTES));
    await hub.publish('news', BYTES.subarray(1, 3));
    await hub.publish('news', { b64: 'not binary' });
    assert.deepEqual(bob.newPushes().map(publicationOf), [
      { b64: B64 },
      { b64: B64 },
      { b64: Buffer.from([1, 2]).toString('base64') },
      { data: { b64: 'not binary' } },
    ]);
  });

  it('the empty byte array is a binary publication too', async () => {
    const { client } = makeHub();
    const c = await client();
    await c.call('subscribe', { channel: 'news' });
    await c.call('publish', { channel: 'news', b64: '' });
    assert.deepEqual(c.newPushes().map((p) => p.b64), ['']);
  });

  it('history and recovery return b64 with offsets', async () => {
    const { hub, client } = makeHub({ namespaces });
    const c = await client();
    const sub = await c.call('subscribe', { channel: 'chat:bin' });
    await hub.publish('chat:bin', { n: 1 });
    const pushes = c.newPushes();
    const epoch = pushes[0].epoch;
    const position = { offset: 1, epoch };
    assert.equal(sub.recoverable, true);
    await hub.publish('chat:bin', BYTES);
    await c.call('publish', { channel: 'chat:bin', b64: 'AA==' });
    const history = await c.call('history', { channel: 'chat:bin' });
    assert.deepEqual(history.publications.map((p: { offset: number; data?: unknown; b64?: string }) => [p.offset, p.data, p.b64]), [
      [1, { n: 1 }, undefined],
      [2, undefined, B64],
      [3, undefined, 'AA=='],
    ]);
    const later = await client();
    const recovered = await later.call('subscribe', { channel: 'chat:bin', since: position });
    assert.equal(recovered.recovered, true);
    assert.deepEqual(recovered.publications.map((p: { offset: number; b64?: string }) => [p.offset, p.b64]), [[2, B64], [3, 'AA==']]);
  });

  it('refuses malformed base64 with 107 and publishes nothing', async () => {
    const { client } = makeHub();
    const c = await client();
    await c.call('subscribe', { channel: 'news' });
    for (const b64 of ['AAE', 'AA=A', 'A===', '!!!!', 'AA==AA==', 'AAEC\n', ' AAEC', 'AB==', 'AAE=x']) {
      await c.expectError('publish', { channel: 'news', b64 }, ErrorCode.badRequest);
    }
    for (const b64 of [12, null, ['AA=='], { b: 1 }]) {
      await c.expectError('publish', { channel: 'news', b64 }, ErrorCode.badRequest);
    }
    await c.expectError('publish', { channel: 'news', b64: 'AA==', data: 1 }, ErrorCode.badRequest);
    await c.expectError('publish', { channel: 'news' }, ErrorCode.badRequest);
    assert.deepEqual(c.newPushes(), []);
    assert.equal(c.closeCode(), undefined);
  });

  it('counts the decoded bytes against maxPublicationSize (112), for clients and the server', async () => {
    const { hub, client } = makeHub({ limits: { maxPublicationSize: 12 } });
    const c = await client();
    await c.call('subscribe', { channel: 'news' });
    const twelve = Buffer.alloc(12, 7).toString('base64'); // 16 characters of base64, 12 bytes
    await c.call('publish', { channel: 'news', b64: twelve });
    await hub.publish('news', new Uint8Array(12));
    await c.expectError('publish', { channel: 'news', b64: Buffer.alloc(13).toString('base64') }, ErrorCode.messageTooLarge);
    await assert.rejects(hub.publish('news', new Uint8Array(13)), (error: { code?: number }) => error.code === ErrorCode.messageTooLarge);
    // A huge string is refused by its length, before it is decoded.
    await c.expectError('publish', { channel: 'news', b64: 'A'.repeat(4000) }, ErrorCode.messageTooLarge);
    assert.equal(c.newPushes().length, 2);
  });

  it('interceptors see the bytes as a Uint8Array', async () => {
    const { hub, client } = makeHub();
    const seen: unknown[] = [];
    hub.addPublishInterceptor((publication) => void seen.push(publication.data));
    const c = await client();
    await c.call('subscribe', { channel: 'news' });
    await c.call('publish', { channel: 'news', b64: B64 });
    assert.ok(seen[0] instanceof Uint8Array);
    assert.deepEqual([...(seen[0] as Uint8Array)], [...BYTES]);
  });
});
