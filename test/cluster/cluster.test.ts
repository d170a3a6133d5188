// Three Volley node processes (test/cluster/node-process.ts through tsx) share one
// engine — the machine's Redis or NATS, under a prefix of this run. Clients spread
// over the nodes chat, see each other's presence, recover after moving to another
// node, and lose the presence of a node that was killed.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serviceSkipReason, uniquePrefix, waitFor } from './engines.js';
import { startNode, stopNode, type NodeProcess } from './cluster-nodes.js';
import { WireClient } from './wire-client.js';
import { NETWORKED_ENGINES } from './broker-pairs.js';

const PRESENCE_TTL_MS = 1_500;
const CHANNEL = 'chat:room';

const engines = NETWORKED_ENGINES;

for (const engine of engines) {
  const skip = await serviceSkipReason(engine.name, engine.url);
  describe(`three nodes over ${engine.name}`, { skip }, () => {
    const prefix = uniquePrefix('cluster');
    let nodes: NodeProcess[] = [];
    const clients: WireClient[] = [];

    before(async () => {
      nodes = await Promise.all([0, 1, 2].map(() => startNode(engine.brokerUrl(prefix), PRESENCE_TTL_MS)));
    });
    after(async () => {
      await Promise.all(clients.map((client) => client.close()));
      await Promise.all(nodes.map((node) => stopNode(node)));
      await engine.cleanup(prefix);
    });

    it('chats across nodes, shows presence, recovers a moved client, forgets a dead node', async () => {
      const [ada, bob, cid] = await Promise.all(nodes.map((node, i) => WireClient.connect(node.port, ['ada', 'bob', 'cid'][i]!)));
      clients.push(ada!, bob!, cid!);
      for (const client of clients) await client.call('subscribe', { channel: CHANNEL });

      // Presence: every node sees all three clients.
      await waitFor(async () => {
        const { clients: present } = (await bob!.call('presence', { channel: CHANNEL })) as { clients: Record<string, unknown> };
        return Object.keys(present).length === 3;
      }, 5_000, 'presence of three clients');

      // Chat: each publishes once, everyone receives all three exactly once.
      await ada!.call('publish', { channel: CHANNEL, data: { from: 'ada' } });
      await bob!.call('publish', { channel: CHANNEL, data: { from: 'bob' } });
      await cid!.call('publish', { channel: CHANNEL, data: { from: 'cid' } });
      await waitFor(() => clients.every((client) => client.publications(CHANNEL).length >= 3), 5_000, 'chat delivery');
      await new Promise((resolve) => setTimeout(resolve, 100));
      for (const client of clients) {
        assert.deepEqual(client.publications(CHANNEL), [{ from: 'ada' }, { from: 'bob' }, { from: 'cid' }]);
      }

      // Move: cid leaves node 3, misses two publications, comes back on node 1.
      const { epoch } = (await cid!.call('history', { channel: CHANNEL, limit: 0 })) as { epoch: string };
      const since = { offset: cid!.lastOffset(CHANNEL), epoch };
      await cid!.close();
      await ada!.call('publish', { channel: CHANNEL, data: { from: 'ada', n: 2 } });
      await bob!.call('publish', { channel: CHANNEL, data: { from: 'bob', n: 2 } });
      const moved = await WireClient.connect(nodes[0]!.port, 'cid');
      clients.push(moved);
      const resumed = (await moved.call('subscribe', { channel: CHANNEL, since })) as {
        recovered: boolean;
        publications: Array<{ data: unknown }>;
      };
      assert.equal(resumed.recovered, true);
      assert.deepEqual(resumed.publications.map((p) => p.data), [{ from: 'ada', n: 2 }, { from: 'bob', n: 2 }]);

      // A node dies without saying goodbye: its client's presence expires everywhere.
      await stopNode(nodes[1]!, 'SIGKILL');
      const killedAt = Date.now();
      await waitFor(async () => {
        const { clients: present } = (await ada!.call('presence', { channel: CHANNEL })) as { clients: Record<string, unknown> };
        return !(bob!.clientId in present) && moved.clientId in present;
      }, PRESENCE_TTL_MS + 2_000, "dead node's presence gone");
      assert.ok(Date.now() - killedAt <= PRESENCE_TTL_MS + 1_000, 'gone within the presence TTL');
    });
  });
}
