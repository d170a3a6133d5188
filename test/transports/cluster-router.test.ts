// Any-node routing: two VolleyServer nodes on one broker (two memory nodes on one engine,
// and the machine's Redis and NATS when they answer), requests alternating between the nodes with no
// stickiness. POSTs and resumes reach the node that holds the session; the downstream of a
// session attached on the other node is relayed; every message arrives exactly once.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { Broker } from '../../src/broker/broker.js';
import { createServer, type VolleyServer } from '../../src/server/index.js';
import { brokerPairKinds } from '../cluster/broker-pairs.js';
import { HeldGet, post, request } from './http-clients.js';

interface Cluster {
  bases: [string, string];
  servers: [VolleyServer, VolleyServer];
}

function routingSuite(name: string, makeBrokers: () => Promise<{ brokers: [Broker, Broker]; close: () => Promise<void> }>): void {
  describe(`any-node routing over ${name}`, () => {
    const cleanups: Array<() => Promise<void>> = [];
    const held: HeldGet[] = [];
    after(async () => {
      for (const h of held.splice(0)) h.close();
      for (const cleanup of cleanups.splice(0)) await cleanup();
    });

    async function cluster(): Promise<Cluster> {
      const { brokers, close } = await makeBrokers();
      const servers = brokers.map((broker) =>
        createServer({
          broker,
          port: 0,
          host: '127.0.0.1',
          allowAnonymous: true,
          heartbeatIntervalMs: 0,
          shutdownTimeoutMs: 1_000,
          limits: { publishRate: 10_000, publishBurst: 10_000 },
          namespaces: { chat: { historySize: 1_000, historyTtlMs: 60_000 } },
          transports: { routeTimeoutMs: 1_000, postRate: 10_000, postBurst: 10_000 },
        }),
      ) as [VolleyServer, VolleyServer];
      const ports = await Promise.all(servers.map((s) => s.listen()));
      cleanups.push(async () => {
        await Promise.all(servers.map((s) => s.close()));
        await close();
      });
      return { servers, bases: ports.map(({ port }) => `http://127.0.0.1:${port}`) as [string, string] };
    }

    function follow(url: string, headers: Record<string, string> = {}): HeldGet {
      const h = new HeldGet(url, headers);
      held.push(h);
      return h;
    }

    it('SSE: POSTs alternate between the nodes, the stream is resumed on the other node, every message once and in order', async () => {
      const { bases } = await cluster();
      const first = follow(`${bases[0]}/connection/sse`);
      await first.until(() => first.sse.length >= 1, 'open');
      const session = JSON.parse(first.sse[0]!.data).session as string;
      assert.equal((await post(bases[1], session, [{ id: 1, method: 'connect' }])).status, 204, 'a POST on the node that does not hold the session');
      assert.equal((await post(bases[0], session, [{ id: 2, method: 'subscribe', params: { channel: 'chat:any' } }])).status, 204);
      await first.until(() => first.sse.length >= 3, 'two replies');
      let id = 3;
      for (let i = 0; i < 10; i++) {
        assert.equal((await post(bases[i % 2], session, [{ id: id++, method: 'publish', params: { channel: 'chat:any', data: { i } } }])).status, 204);
      }
      await first.until(() => first.sse.filter((e) => e.data.startsWith('{"pub"')).length >= 5, 'some publications');
      first.close();
      const lastSeen = Number(first.sse.at(-1)!.id);
      // Resume on the other node: relayed from the owner.
      const second = follow(`${bases[1]}/connection/sse?session=${session}`, { 'last-event-id': String(lastSeen) });
      await second.until(() => second.text.length > 0, 'the relayed stream');
      for (let i = 10; i < 20; i++) {
        assert.equal((await post(bases[i % 2], session, [{ id: id++, method: 'publish', params: { channel: 'chat:any', data: { i } } }])).status, 204);
      }
      const pushes = () => [...first.sse, ...second.sse].filter((e) => e.data.startsWith('{"pub"'));
      await second.until(() => pushes().length >= 20, 'all twenty publications', 30_000);
      const all = [...first.sse.slice(1), ...second.sse];
      const seqs = all.map((e) => Number(e.id));
      assert.deepEqual(seqs, seqs.map((_, i) => i + 1), 'sequence numbers without a gap or a repeat');
      assert.deepEqual(pushes().map((e) => JSON.parse(e.data).data.i), Array.from({ length: 20 }, (_, i) => i));
    });

    it('long-polling: polls and POSTs alternate between the nodes; publications from both nodes arrive exactly once', async () => {
      const { servers, bases } = await cluster();
      const { session } = JSON.parse((await request(`${bases[1]}/connection/poll`)).body) as { session: string };
      let ack = 0;
      const received: any[] = [];
      let turn = 0;
      const pollOnce = async () => {
        const answer = await request(`${bases[turn++ % 2]}/connection/poll?session=${session}&ack=${ack}`);
        assert.equal(answer.status, 200, answer.body);
        const { messages } = JSON.parse(answer.body) as { messages: Array<{ seq: number; m: any }> };
        for (const m of messages) {
          assert.equal(m.seq, ack + 1, 'each message once, in order');
          ack = m.seq;
          received.push(m.m);
        }
      };
      const poller = (async () => {
        while (received.filter((m) => typeof m.pub === 'string').length < 10) await pollOnce();
      })();
      assert.equal((await post(bases[0], session, [{ id: 1, method: 'connect' }, { id: 2, method: 'subscribe', params: { channel: 'chat:lp' } }])).status, 204);
      while (!received.some((m) => m.id === 2)) await new Promise((resolve) => setTimeout(resolve, 20));
      for (let i = 0; i < 10; i++) await servers[i % 2].publish('chat:lp', { i });
      await poller;
      assert.deepEqual(received.filter((m) => typeof m.pub === 'string').map((m) => m.data.i), Array.from({ length: 10 }, (_, i) => i));
    });

    it('a session of a node that does not exist is 404 unknown_session; the owner closing a session is seen through the relay', async () => {
      const { servers, bases } = await cluster();
      const ghost = await post(bases[0], `nonode.${'A'.repeat(22)}`, [{ id: 1, method: 'connect' }]);
      assert.equal(ghost.status, 404);
      assert.equal(JSON.parse(ghost.body).error.name, 'unknown_session');
      const stream = follow(`${bases[0]}/connection/stream`);
      await stream.until(() => stream.lines.length >= 1, 'open');
      const session = (stream.lines[0] as { open: { session: string } }).open.session;
      await post(bases[1], session, [{ id: 1, method: 'connect' }]);
      await stream.until(() => stream.lines.length >= 2, 'connect reply');
      const client = (stream.lines[1] as any).m.result.client as string;
      stream.close();
      const relayed = follow(`${bases[1]}/connection/stream?session=${session}&ack=1`);
      await relayed.until(() => servers[0].transports!.stats.sessions === 1 && relayed.status === 200, 'the relay');
      await servers[1].hub.disconnectClient(client, 3503, 'bye');
      await relayed.until(() => relayed.ended, 'the end of the relayed response');
      assert.deepEqual(relayed.lines.at(-1), { close: { code: 3503, reason: 'bye' } });
      assert.equal((await post(bases[1], session, [{ id: 2, method: 'ping' }])).status, 404);
    });

    it('a relayed client that never reads is cut on its node, and the owner cuts the session as a slow consumer: both bounded', async () => {
      const { servers, bases } = await cluster();
      const stream = follow(`${bases[0]}/connection/stream`);
      await stream.until(() => stream.lines.length >= 1, 'open');
      const session = (stream.lines[0] as { open: { session: string } }).open.session;
      await post(bases[0], session, [{ id: 1, method: 'connect' }, { id: 2, method: 'subscribe', params: { channel: 'chat:stall' } }]);
      await stream.until(() => stream.lines.length >= 3, 'two replies');
      stream.close();
      // Resume on node 1 with a socket that stops reading at once.
      const port = Number(new URL(bases[1]).port);
      const socket = net.connect(port, '127.0.0.1');
      socket.on('error', () => {});
      socket.write(`GET /connection/stream?session=${session}&ack=2 HTTP/1.1\r\nHost: x\r\n\r\n`);
      socket.pause();
      const owned = servers[0].transports!.service.registry.get(session)!;
      while (!owned.isAttached) await new Promise((resolve) => setTimeout(resolve, 20));
      const cutsBefore = servers[0].hub.stats.slowConsumerDisconnects;
      const payload = 'z'.repeat(60_000);
      let published = 0;
      while (servers[0].transports!.stats.sessions > 0 && published < 1_000) {
        await servers[1].publish('chat:stall', { n: published++, payload });
      }
      socket.destroy();
      assert.equal(servers[0].transports!.stats.sessions, 0, 'the owner let go of the session');
      assert.equal(servers[0].hub.stats.slowConsumerDisconnects, cutsBefore + 1, 'cut as a slow consumer by the hub of its owner');
      assert.ok(published < 500, `${published} publications of 60 KB before the cut`);
    });
  });
}

for (const kind of await brokerPairKinds()) {
  if (kind.skip !== undefined) describe(`any-node routing over ${kind.name}`, { skip: kind.skip }, () => {});
  else routingSuite(kind.name, () => kind.connect('routing'));
}
