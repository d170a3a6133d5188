// Two `volley serve` processes on the machine's Redis: a long-polling and an SSE session,
// every request alternating between the two nodes (a round-robin balancer without
// stickiness), publications from both nodes: every message exactly once, in order.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildOnce, killAll, startServe, type Served } from '../cli/helpers.js';
import { REDIS_URL, serviceSkipReason, uniquePrefix } from '../cluster/engines.js';
import { removeRedisState } from '../cluster/redis-cleanup.js';
import { HeldGet, post, request } from './http-clients.js';

const skip = await serviceSkipReason('Redis', REDIS_URL);

describe('two volley serve nodes on Redis, no stickiness', { skip }, () => {
  const prefix = uniquePrefix('serve-transports');
  let nodes: Served[] = [];
  let bases: string[] = [];
  const held: HeldGet[] = [];
  before(async () => {
    await buildOnce();
    nodes = await Promise.all([0, 1].map(() => startServe(['--broker', `${REDIS_URL}?prefix=${prefix}`, '--no-demo'])));
    bases = nodes.map((node) => node.httpBase);
  });
  after(async () => {
    for (const h of held) h.close();
    await Promise.all(nodes.map((node) => node.stop()));
    killAll();
    await removeRedisState(REDIS_URL, prefix);
  });

  it('long-polling and SSE clients each get every publication exactly once', async () => {
    const channel = `feed-${Date.now()}`;
    // Long-polling, opened on node 0.
    const { session: pollSession } = JSON.parse((await request(`${bases[0]}/connection/poll`)).body) as { session: string };
    // SSE, opened on node 1.
    const sse = new HeldGet(`${bases[1]}/connection/sse`);
    held.push(sse);
    await sse.until(() => sse.sse.length >= 1, 'open');
    const sseSession = JSON.parse(sse.sse[0]!.data).session as string;

    let turn = 0;
    const next = () => bases[turn++ % 2]!;
    for (const session of [pollSession, sseSession]) {
      assert.equal((await post(next(), session, [{ id: 1, method: 'connect' }])).status, 204);
      assert.equal((await post(next(), session, [{ id: 2, method: 'subscribe', params: { channel } }])).status, 204);
    }
    let ack = 0;
    const polled: any[] = [];
    const pollUntil = async (done: () => boolean) => {
      while (!done()) {
        const answer = await request(`${next()}/connection/poll?session=${pollSession}&ack=${ack}`);
        assert.equal(answer.status, 200, answer.body);
        for (const m of (JSON.parse(answer.body) as { messages: Array<{ seq: number; m: any }> }).messages) {
          assert.equal(m.seq, ack + 1);
          ack = m.seq;
          polled.push(m.m);
        }
      }
    };
    await pollUntil(() => polled.some((m) => m.id === 2));
    await sse.until(() => sse.sse.some((e) => e.data.startsWith('{"id":2,')), 'the SSE subscribe reply');
    // Each client publishes from alternating nodes.
    for (let i = 0; i < 10; i++) {
      const session = i % 2 ? sseSession : pollSession;
      assert.equal((await post(next(), session, [{ id: 10 + i, method: 'publish', params: { channel, data: { i } } }])).status, 204);
    }
    await pollUntil(() => polled.filter((m) => typeof m.pub === 'string').length >= 10);
    await sse.until(() => sse.sse.filter((e) => e.data.startsWith('{"pub"')).length >= 10, 'ten publications on SSE');
    const expected = Array.from({ length: 10 }, (_, i) => i);
    assert.deepEqual(polled.filter((m) => typeof m.pub === 'string').map((m) => m.data.i).sort((a, b) => a - b), expected);
    const ssePubs = sse.sse.filter((e) => e.data.startsWith('{"pub"')).map((e) => JSON.parse(e.data).data.i as number);
    assert.deepEqual([...ssePubs].sort((a, b) => a - b), expected);
    assert.deepEqual(sse.sse.slice(1).map((e) => Number(e.id)), sse.sse.slice(1).map((_, i) => i + 1));
  });
});
