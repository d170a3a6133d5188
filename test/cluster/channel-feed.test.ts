import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BrokerEvent, StreamPosition } from '../../src/broker/broker.js';
import { ChannelFeed } from '../../src/broker/cluster/channel-feed.js';
import { decodeEvent, encodePresenceEvent, encodePublication } from '../../src/broker/cluster/event-codec.js';
import { encodeToken } from '../../src/broker/nats/nats-names.js';
import { waitFor } from './engines.js';

type Publication = Extract<BrokerEvent, { type: 'publication' }>;

function publication(offset: number): Publication {
  return { type: 'publication', channel: 'c', publication: { offset, data: String(offset) } };
}

function feedWith(history: Publication[], window = 20) {
  const seen: number[] = [];
  const reads: StreamPosition[] = [];
  /** Each gap as `gap<next>`, in order with the offsets handed on. */
  const order: string[] = [];
  const feed = new ChannelFeed(
    'c',
    (event) => {
      if (event.type === 'publication') seen.push(event.publication.offset);
      order.push(event.type === 'gap' ? `gap${event.next}` : String(event.type === 'publication' ? event.publication.offset : event.type));
    },
    async (since) => {
      reads.push(since);
      return { epoch: 'e', events: history.filter((p) => p.publication.offset > since.offset) };
    },
    { reorderWindowMs: window, fillAttempts: 2, fillRetryMs: 5 },
  );
  return { feed, seen, reads, order };
}

describe('ChannelFeed', () => {
  it('hands on in order, drops duplicates', () => {
    const { feed, seen } = feedWith([]);
    for (const offset of [1, 2, 2, 3, 1]) feed.push({ event: publication(offset), epoch: 'e' });
    assert.deepEqual(seen, [1, 2, 3]);
  });

  it('reorders publications that crossed on the way, without reading history', async () => {
    const { feed, seen, reads } = feedWith([], 1_000);
    feed.push({ event: publication(1), epoch: 'e' });
    feed.push({ event: publication(3), epoch: 'e' });
    assert.deepEqual(seen, [1]);
    feed.push({ event: publication(2), epoch: 'e' });
    assert.deepEqual(seen, [1, 2, 3]);
    assert.equal(reads.length, 0);
    feed.close();
  });

  it('fills a gap that does not close from history', async () => {
    const { feed, seen } = feedWith([publication(2), publication(3)]);
    feed.push({ event: publication(1), epoch: 'e' });
    feed.push({ event: publication(4), epoch: 'e' });
    await waitFor(() => seen.length === 4, 2_000);
    assert.deepEqual(seen, [1, 2, 3, 4]);
  });

  it('after a reconnect reads what was missed, from the seeded position when nothing arrived', async () => {
    const { feed, seen, reads } = feedWith([publication(5), publication(6)]);
    feed.seed({ offset: 4, epoch: 'e' });
    feed.resync();
    await waitFor(() => seen.length === 2, 2_000);
    assert.deepEqual(seen, [5, 6]);
    assert.deepEqual(reads, [{ offset: 4, epoch: 'e' }]);
  });

  it('accepts a loss history cannot fill rather than stall, and hands on a gap before what follows it', async () => {
    const { feed, seen, order } = feedWith([]);
    feed.push({ event: publication(1), epoch: 'e' });
    feed.push({ event: publication(5), epoch: 'e' });
    feed.push({ event: publication(6), epoch: 'e' });
    await waitFor(() => seen.length === 3, 2_000);
    assert.deepEqual(order, ['1', 'gap5', '5', '6']);
  });

  it('a gap history fills partly: what it holds is handed on, then the gap, then the rest', async () => {
    // Offsets 2-3 were trimmed; 4 is still kept.
    const { feed, order } = feedWith([publication(4)]);
    feed.push({ event: publication(1), epoch: 'e' });
    feed.push({ event: publication(5), epoch: 'e' });
    await waitFor(() => order.length === 4, 2_000);
    assert.deepEqual(order, ['1', 'gap4', '4', '5']);
  });

  it('a gap that closes in time, or is filled from history, raises no gap event', async () => {
    const { feed, order } = feedWith([publication(2), publication(3)]);
    feed.push({ event: publication(1), epoch: 'e' });
    feed.push({ event: publication(4), epoch: 'e' });
    await waitFor(() => order.length === 4, 2_000);
    assert.deepEqual(order, ['1', '2', '3', '4']);
  });

  it('follows a new epoch', () => {
    const { feed, seen } = feedWith([]);
    feed.push({ event: publication(7), epoch: 'e' });
    feed.push({ event: publication(1), epoch: 'f' });
    assert.deepEqual(seen, [7, 1]);
  });
});

describe('event codec and NATS names', () => {
  it('round-trips publications with data as is, and presence events', () => {
    const info = { client: 'c1', user: 'u1', connInfo: { name: 'Ada\n' } };
    const text = encodePublication('{"a":"x\\ny"}', 3, 'ep', info, 'me');
    assert.deepEqual(decodeEvent('ch', text), {
      epoch: 'ep',
      event: { type: 'publication', channel: 'ch', publication: { offset: 3, data: '{"a":"x\\ny"}', info }, excludeClient: 'me' },
    });
    assert.deepEqual(decodeEvent('ch', encodePresenceEvent('leave', info)), { epoch: '', event: { type: 'leave', channel: 'ch', info } });
    assert.equal(decodeEvent('ch', 'garbage'), undefined);
  });

  it('escapes channel names into one subject token', () => {
    assert.equal(encodeToken('chat-room1'), 'chat-room1');
    assert.equal(encodeToken('chat:a.b*>'), 'chat_3aa_2eb_2a_3e');
    assert.equal(encodeToken('é_'), '_c3_a9_5f');
    assert.equal(encodeToken(''), '_');
  });
});
