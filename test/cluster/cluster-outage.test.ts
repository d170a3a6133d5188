// Two Volley node processes on a private engine that goes away and comes back: the
// nodes keep their client connections, a publish during the outage is answered with an
// error (never silently dropped), and chat across the nodes resumes by itself.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { NATS_SERVER, PrivateEngine, REDIS_SERVER, binarySkipReason, waitFor } from './engines.js';
import { startNode, stopNode, type NodeProcess } from './cluster-nodes.js';
import { WireClient } from './wire-client.js';

const CHANNEL = 'chat:outage';
const engines = [
  { name: 'redis-server', start: () => PrivateEngine.redis(), skip: binarySkipReason('redis-server', REDIS_SERVER) },
  { name: 'nats-server', start: () => PrivateEngine.nats(), skip: binarySkipReason('nats-server', NATS_SERVER) },
];

for (const kind of engines) {
  describe(`two nodes across a ${kind.name} restart`, { skip: kind.skip ?? false }, () => {
    let engine: PrivateEngine;
    let nodes: NodeProcess[] = [];
    const clients: WireClient[] = [];

    before(async () => {
      engine = await kind.start();
      await engine.start();
      nodes = await Promise.all([0, 1].map(() => startNode(engine.url, 60_000)));
    });
    after(async () => {
      await Promise.all(clients.map((client) => client.close()));
      await Promise.all(nodes.map((node) => stopNode(node)));
      await engine.destroy();
    });

    it('keeps connections, refuses publishes while down, resumes after', async () => {
      const [ada, bob] = await Promise.all(nodes.map((node, i) => WireClient.connect(node.port, ['ada', 'bob'][i]!)));
      clients.push(ada!, bob!);
      await ada!.call('subscribe', { channel: CHANNEL });
      await bob!.call('subscribe', { channel: CHANNEL });
      await ada!.call('publish', { channel: CHANNEL, data: 'before' });
      await waitFor(() => bob!.publications(CHANNEL).length === 1, 3_000, 'delivery before the outage');

      await engine.stop();
      await waitFor(() => ada!.call('publish', { channel: CHANNEL, data: 'during' }).then(() => false, () => true), 5_000, 'publish refused');
      assert.equal((await ada!.call('ping')) !== undefined, true, 'the node still answers its client');

      await engine.start();
      await waitFor(() => ada!.call('publish', { channel: CHANNEL, data: 'after' }).then(() => true, () => false), 15_000, 'publish accepted again');
      await waitFor(() => bob!.publications(CHANNEL).includes('after'), 5_000, 'delivery after the outage');
      assert.deepEqual(bob!.publications(CHANNEL), ['before', 'after'], 'nothing refused was delivered');
    });
  });
}
