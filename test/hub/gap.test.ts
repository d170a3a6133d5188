// A `gap` event from the broker (publications lost on their way to this node) becomes a
// `gap` push to each subscriber that may have missed one, and to no other.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NO_OBSERVER } from '../../src/hub/observer.js';
import { LossyBroker } from '../support/lossy-broker.js';
import { makeHub, settle } from './helpers.js';

describe('gap push', () => {
  it('goes to the subscribers behind the loss, before the next publication; not to one whose reply covered it', async () => {
    const broker = new LossyBroker({ pruneIntervalMs: 0 });
    const gaps: Array<[string, number]> = [];
    const { hub, client } = makeHub({ broker, namespaces: { feed: { historySize: 100, historyTtlMs: 60_000 } } });
    hub.observe({ ...NO_OBSERVER, gap: (channel, recipients) => gaps.push([channel, recipients]) });
    const behind = await client();
    await behind.call('subscribe', { channel: 'feed:x' });
    const other = await client();
    await other.call('subscribe', { channel: 'feed:other' });
    broker.dropping = true;
    for (let n = 1; n <= 3; n++) await hub.publish('feed:x', { n });
    // Subscribes while the node misses them: its reply's position (3) already covers the loss.
    const covered = await client();
    const reply = await covered.call('subscribe', { channel: 'feed:x' });
    assert.equal(reply.offset, 3);
    broker.dropping = false;
    await hub.publish('feed:x', { n: 4 });
    await settle();

    assert.deepEqual(behind.newPushes(), [{ push: 'gap', channel: 'feed:x' }, { pub: 'feed:x', offset: 4, data: { n: 4 } }]);
    assert.deepEqual(covered.newPushes(), [{ pub: 'feed:x', offset: 4, data: { n: 4 } }]);
    assert.deepEqual(other.newPushes(), []);
    assert.deepEqual(gaps, [['feed:x', 1]], 'observed once, with its one recipient');
  });

  it('a subscriber told of a gap recovers from its position by unsubscribing and subscribing again in one batch', async () => {
    const broker = new LossyBroker({ pruneIntervalMs: 0 });
    const { hub, client } = makeHub({ broker, namespaces: { feed: { historySize: 100, historyTtlMs: 60_000 } } });
    const sub = await client();
    const first = await sub.call('subscribe', { channel: 'feed:y' });
    broker.dropping = true;
    for (let n = 1; n <= 3; n++) await hub.publish('feed:y', { n });
    broker.dropping = false;
    await hub.publish('feed:y', { n: 4 });
    await settle();
    assert.deepEqual(sub.newPushes()[0], { push: 'gap', channel: 'feed:y' });
    // What the SDK sends: both frames at once, the subscribe with the position held before the loss.
    sub.send(JSON.stringify({ id: 90, method: 'unsubscribe', params: { channel: 'feed:y' } }));
    const again = await sub.call('subscribe', { channel: 'feed:y', since: { offset: first.offset, epoch: first.epoch } });
    assert.equal(again.recovered, true);
    assert.deepEqual(again.publications.map((p: { data: { n: number } }) => p.data.n), [1, 2, 3, 4]);
    assert.deepEqual(sub.messages().find((m) => m.id === 90), { id: 90, result: {} });
  });
});
