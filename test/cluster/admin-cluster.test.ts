// The operators' view of a cluster: two nodes on the machine's Redis (and NATS), each with
// the HTTP API. `info` on node A lists node B with B's connections and the cluster totals,
// `connections` on A with node B's id lists B's connections (asked through the broker),
// and a disconnect sent to A reaches a client of B with its code.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { brokerFromUrl } from '../../src/broker/from-url.js';
import type { Broker } from '../../src/broker/broker.js';
import { createServer, type VolleyServer } from '../../src/server/server.js';
import { serviceSkipReason, uniquePrefix, waitFor } from './engines.js';
import { NETWORKED_ENGINES } from './broker-pairs.js';
import { WireClient } from './wire-client.js';

const KEY = 'cluster-admin-key';

const engines = NETWORKED_ENGINES;

for (const engine of engines) {
  const skip = await serviceSkipReason(engine.name, engine.url);
  describe(`the admin API on two nodes over ${engine.name}`, { skip }, () => {
    const prefix = uniquePrefix('admin');
    const brokers: Broker[] = [];
    const servers: VolleyServer[] = [];
    const ports: number[] = [];
    const clients: WireClient[] = [];

    before(async () => {
      for (const node of ['node-a', 'node-b']) {
        const broker = await brokerFromUrl(engine.brokerUrl(prefix));
        const server = createServer({
          broker, port: 0, host: '127.0.0.1', allowAnonymous: true, nodeId: node, nodeStatsIntervalMs: 200,
          api: { apiKey: KEY }, admin: { password: 'cluster admin password' }, namespaces: { chat: { presence: true } },
        });
        brokers.push(broker);
        servers.push(server);
        ports.push((await server.listen()).port);
      }
    });
    after(async () => {
      await Promise.all(clients.map((client) => client.close()));
      // Let the nodes forget the clients (presence removed through the engine) before closing.
      await waitFor(() => servers.every((server) => server.hub.connectionCount === 0), 10_000, 'clients gone');
      await new Promise((resolve) => setTimeout(resolve, 200));
      for (const server of servers) await server.close();
      for (const broker of brokers) await broker.close();
      await engine.cleanup(prefix);
    });

    const api = async (port: number, method: string, body: unknown = {}) => {
      const response = await fetch(`http://127.0.0.1:${port}/api/${method}`, {
        method: 'POST', headers: { authorization: `apikey ${KEY}` }, body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as any };
    };

    it("node A's info shows node B's connections and the cluster totals", async () => {
      for (const name of ['b1', 'b2', 'b3']) clients.push(await WireClient.connect(ports[1]!, name));
      clients.push(await WireClient.connect(ports[0]!, 'a1'));
      for (const client of clients) await client.call('subscribe', { channel: 'chat:ops' });
      let info: any;
      await waitFor(async () => {
        info = (await api(ports[0]!, 'info')).body.result;
        return info.nodes.length === 2 && info.nodes[1].connections === 3;
      }, 15_000, "node B's snapshot on node A");
      assert.deepEqual(info.nodes.map((n: any) => n.node), ['node-a', 'node-b']);
      assert.equal(info.nodes[0].connections, 1);
      assert.equal(info.nodes[1].broker, engine.name.toLowerCase());
      assert.equal(info.totals.nodes, 2);
      assert.equal(info.totals.connections, 4);
      assert.equal(info.node.id, 'node-a');
    });

    it("lists node B's connections from node A, and refuses an unknown node", async () => {
      const { status, body } = await api(ports[0]!, 'connections', { node: 'node-b', limit: 2 });
      assert.equal(status, 200, JSON.stringify(body));
      assert.equal(body.result.node, 'node-b');
      assert.equal(body.result.total, 3);
      assert.equal(body.result.connections.length, 2);
      assert.deepEqual(body.result.connections[0].channels, ['chat:ops']);
      const ids = new Set(clients.slice(0, 3).map((c) => c.clientId));
      for (const row of body.result.connections) assert.ok(ids.has(row.client));
      const local = await api(ports[0]!, 'connections', {});
      assert.equal(local.body.result.node, 'node-a');
      assert.equal(local.body.result.total, 1);
      const unknown = await api(ports[0]!, 'connections', { node: 'node-z' });
      assert.equal(unknown.status, 400);
      const badPage = await api(ports[0]!, 'connections', { node: 'node-b', limit: 5000 });
      assert.equal(badPage.status, 400);
    });

    it("a disconnect sent to node A reaches node B's client with its code", async () => {
      const target = clients[1]!;
      const { status } = await api(ports[0]!, 'disconnect', { client: target.clientId, code: 4444, reason: 'ops' });
      assert.equal(status, 200);
      await waitFor(() => target.closeCode === 4444, 10_000, 'the close code on node B');
      await waitFor(async () => (await api(ports[0]!, 'connections', { node: 'node-b' })).body.result.total === 2, 10_000, 'node B lists two');
    });
  });
}
