// hub.addPublishInterceptor: sees every publication accepted on this node, once, from
// every source, after the checks and before the broker; a HubError refuses it.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HubError } from '../../src/hub/errors.js';
import type { InterceptedPublication } from '../../src/hub/publisher.js';
import { WireErrorCode } from '../../src/wire/index.js';
import { makeHub } from './helpers.js';

describe('publish interceptors', () => {
  it('see client, server and API publications with their source, info and tag', async () => {
    const { hub, client } = makeHub();
    const seen: InterceptedPublication[] = [];
    hub.addPublishInterceptor((publication) => void seen.push(publication));
    const c = await client();
    await c.call('subscribe', { channel: 'news' });
    await c.call('publish', { channel: 'news', data: { n: 1 } });
    await hub.publish('news', { n: 2 }, { tag: 'bridge' });
    await hub.publish('news', { n: 3 }, { source: 'api' });
    assert.deepEqual(seen, [
      { channel: 'news', data: { n: 1 }, info: { client: c.connection.id, user: '' }, source: 'client', tag: undefined },
      { channel: 'news', data: { n: 2 }, info: undefined, source: 'server', tag: 'bridge' },
      { channel: 'news', data: { n: 3 }, info: undefined, source: 'api', tag: undefined },
    ]);
  });

  it('are not called for publications refused by permissions or limits', async () => {
    const { hub, client } = makeHub({ limits: { maxPublicationSize: 10 } });
    let calls = 0;
    hub.addPublishInterceptor(() => void (calls += 1));
    const c = await client();
    await c.expectError('publish', { channel: 'news', data: 1 }, WireErrorCode.permissionDenied);
    await c.call('subscribe', { channel: 'news' });
    await c.expectError('publish', { channel: 'news', data: 'x'.repeat(20) }, WireErrorCode.messageTooLarge);
    await assert.rejects(hub.publish('bad name', 1));
    assert.equal(calls, 0);
  });

  it('a thrown HubError refuses the publication with its code; nothing reaches subscribers', async () => {
    const { hub, client } = makeHub();
    const remove = hub.addPublishInterceptor(async ({ data }) => {
      await new Promise((resolve) => setImmediate(resolve));
      if (data === 'stop') throw new HubError('unavailable', 'bridge is down');
    });
    const c = await client();
    await c.call('subscribe', { channel: 'news' });
    const error = await c.expectError('publish', { channel: 'news', data: 'stop' }, WireErrorCode.unavailable);
    assert.equal(error.message, 'bridge is down');
    await assert.rejects(hub.publish('news', 'stop'), (e: any) => e.code === WireErrorCode.unavailable);
    assert.deepEqual(c.pushes(), []);
    await c.call('publish', { channel: 'news', data: 'go' });
    assert.deepEqual(c.pushes().map((p) => p.data), ['go']);
    remove();
    await c.call('publish', { channel: 'news', data: 'stop' });
    assert.equal(hub.stats.publications, 2);
  });

  it('an unexpected error in an interceptor is an internal error, reported', async () => {
    const { hub, client } = makeHub();
    const reported: unknown[] = [];
    hub.onInternalError = (error) => reported.push(error);
    hub.addPublishInterceptor(() => {
      throw new Error('bug');
    });
    const c = await client();
    await c.call('subscribe', { channel: 'news' });
    await c.expectError('publish', { channel: 'news', data: 1 }, WireErrorCode.internal);
    assert.equal(reported.length, 1);
  });
});
