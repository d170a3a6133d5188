// The namespace option publisherInfo: a client's publication carries its publisher's
// ClientInfo in pushes, history and recovery only where the namespace asks for it, and a
// plain push is `{"pub":"<channel>","data":…}` (issue #17: payload + 40 bytes at most).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodePublicationPush } from '../../src/hub/encode.js';
import { NAMESPACE_DEFAULTS } from '../../src/hub/namespaces.js';
import { makeHub, publicationOf, settle } from './helpers.js';

/** A WebSocket frame of at most 125 bytes of payload has a 2-byte header (server frames are unmasked). */
const FRAME_HEADER = 2;
const PAYLOAD = 'p'.repeat(64);

describe('publisherInfo', () => {
  it('is off by default', () => {
    assert.equal(NAMESPACE_DEFAULTS.publisherInfo, false);
  });

  it('a 64-byte string on bench:fanout in a default namespace costs at most payload + 40 bytes on the wire', async () => {
    const { client } = makeHub({ namespaces: { bench: {} } });
    const publisher = await client();
    const subscriber = await client();
    await subscriber.call('subscribe', { channel: 'bench:fanout' });
    await publisher.call('subscribe', { channel: 'bench:fanout' });
    await publisher.call('publish', { channel: 'bench:fanout', data: PAYLOAD });
    const texts = subscriber.session.sent.map((m) => m.text).filter((t) => t.startsWith('{"pub"'));
    assert.deepEqual(texts, [`{"pub":"bench:fanout","data":"${PAYLOAD}"}`]);
    const wire = Buffer.byteLength(texts[0]!) + FRAME_HEADER;
    assert.ok(wire <= PAYLOAD.length + 40, `${wire} bytes on the wire for a ${PAYLOAD.length}-byte payload`);
    assert.equal(wire, 98);
  });

  it('the encoder puts the optional fields beside the channel: offset, epoch, b64, info', () => {
    const info = { client: 'c1', user: 'u' };
    assert.equal(encodePublicationPush('a:b', { offset: 0, data: '1' }), '{"pub":"a:b","data":1}');
    assert.equal(
      encodePublicationPush('a:b', { offset: 1, epoch: 'e', data: '"AAE="', binary: true, info }),
      '{"pub":"a:b","offset":1,"epoch":"e","b64":"AAE=","info":{"client":"c1","user":"u"}}',
    );
    assert.equal(encodePublicationPush('a"b', { offset: 7, data: '{"x":[1]}' }), '{"pub":"a\\"b","offset":7,"data":{"x":[1]}}');
  });

  it('off: no info in pushes, history or recovery, JSON or binary', async () => {
    const { client } = makeHub({ namespaces: { chat: { historySize: 10 } } });
    const alice = await client();
    const bob = await client();
    await alice.call('subscribe', { channel: 'chat:a' });
    const { epoch } = await bob.call('subscribe', { channel: 'chat:a' });
    await alice.call('publish', { channel: 'chat:a', data: 'one' });
    await alice.call('publish', { channel: 'chat:a', b64: 'AAE=' });
    const pushes = bob.newPushes();
    assert.deepEqual(pushes.map(publicationOf).map(({ epoch: _e, ...rest }) => rest), [{ offset: 1, data: 'one' }, { offset: 2, b64: 'AAE=' }]);
    const { publications } = await bob.call('history', { channel: 'chat:a' });
    assert.deepEqual(publications, [{ offset: 1, data: 'one' }, { offset: 2, b64: 'AAE=' }]);
    const later = await client();
    const recovery = await later.call('subscribe', { channel: 'chat:a', since: { offset: 0, epoch: pushes[0].epoch ?? epoch } });
    assert.equal(recovery.recovered, true);
    assert.deepEqual(recovery.publications, [{ offset: 1, data: 'one' }, { offset: 2, b64: 'AAE=' }]);
  });

  it('on: info in pushes, history and recovery, JSON or binary, with the channel info of the publisher', async () => {
    const { client } = makeHub({ namespaces: { chat: { historySize: 10, publisherInfo: true } } });
    const alice = await client();
    const bob = await client();
    await alice.call('subscribe', { channel: 'chat:a' });
    await bob.call('subscribe', { channel: 'chat:a' });
    await alice.call('publish', { channel: 'chat:a', data: 'one' });
    await alice.call('publish', { channel: 'chat:a', b64: 'AAE=' });
    const info = { client: alice.connection.id, user: '' };
    const pushes = bob.newPushes();
    assert.deepEqual(pushes, [
      { pub: 'chat:a', offset: 1, epoch: pushes[0].epoch, data: 'one', info },
      { pub: 'chat:a', offset: 2, b64: 'AAE=', info },
    ]);
    const expected = [{ offset: 1, data: 'one', info }, { offset: 2, b64: 'AAE=', info }];
    assert.deepEqual((await bob.call('history', { channel: 'chat:a' })).publications, expected);
    const later = await client();
    const recovery = await later.call('subscribe', { channel: 'chat:a', since: { offset: 0, epoch: pushes[0].epoch } });
    assert.equal(recovery.recovered, true);
    assert.deepEqual(recovery.publications, expected);
  });

  it('on: the server and the API still publish without info', async () => {
    const { hub, client } = makeHub({ namespaces: { chat: { publisherInfo: true } } });
    const c = await client();
    await c.call('subscribe', { channel: 'chat:a' });
    await hub.publish('chat:a', 'from the server');
    await hub.publish('chat:a', 'from the API', { source: 'api' });
    assert.deepEqual(c.newPushes(), [{ pub: 'chat:a', data: 'from the server' }, { pub: 'chat:a', data: 'from the API' }]);
  });

  it('decides per namespace; interceptors see the publisher either way', async () => {
    const { hub, client } = makeHub({ channels: { publisherInfo: true }, namespaces: { quiet: {} } });
    const seen: unknown[] = [];
    hub.addPublishInterceptor((publication) => void seen.push(publication.info));
    const c = await client();
    await c.call('subscribe', { channel: 'loud' });
    await c.call('subscribe', { channel: 'quiet:x' });
    await c.call('publish', { channel: 'loud', data: 1 });
    await c.call('publish', { channel: 'quiet:x', data: 2 });
    await settle();
    const info = { client: c.connection.id, user: '' };
    assert.deepEqual(c.newPushes(), [{ pub: 'loud', data: 1, info }, { pub: 'quiet:x', data: 2 }]);
    assert.deepEqual(seen, [info, info]);
  });
});
