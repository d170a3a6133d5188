// A VolleyServer's one node id and one NodeLink: the `nodeId` option names its transports'
// session ids, its inbox and its `info`; on a shared broker (two memory nodes on one engine)
// the same link carries the transports' routed POSTs and the API's cross-node `connections`,
// both at once; with a broker of its own there is no link; a bad id stops the construction.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isNodeId } from '../../src/broker/cluster/node-link.js';
import { MemoryBroker } from '../../src/broker/memory.js';
import { MemoryEngine } from '../../src/broker/memory-engine.js';
import { createServer, type VolleyServer } from '../../src/server/server.js';
import { post, request } from '../transports/http-clients.js';

const KEY = 'node-link-key';

describe("a server's node id and node link", () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  async function node(nodeId: string, engine: MemoryEngine): Promise<{ server: VolleyServer; base: string }> {
    const broker = new MemoryBroker({ engine, pruneIntervalMs: 0 });
    const server = createServer({
      broker, nodeId, port: 0, host: '127.0.0.1', allowAnonymous: true, heartbeatIntervalMs: 0, shutdownTimeoutMs: 1_000,
      nodeStatsIntervalMs: 100, api: { apiKey: KEY }, transports: { routeTimeoutMs: 2_000 },
    });
    const { port } = await server.listen();
    cleanups.push(async () => {
      await server.close();
      await broker.close();
    });
    return { server, base: `http://127.0.0.1:${port}` };
  }

  const api = async (base: string, method: string, body: unknown = {}) => {
    const answer = await request(`${base}/api/${method}`, { method: 'POST', headers: { authorization: `apikey ${KEY}` }, body: JSON.stringify(body) });
    return { status: answer.status, body: JSON.parse(answer.body) as any };
  };

  it('one id everywhere, one link for the routing and the API', async () => {
    const engine = new MemoryEngine();
    const a = await node('node-a', engine);
    const b = await node('node-b', engine);
    assert.equal(a.server.nodeId, 'node-a');
    assert.equal(a.server.nodeLink?.nodeId, 'node-a');
    assert.equal(a.server.transports?.nodeId, 'node-a');
    assert.equal(a.server.nodeStats?.nodeId, 'node-a');
    assert.equal((await api(a.base, 'info')).body.result.node.id, 'node-a');

    // A session opened on B carries B's id; A routes a POST for it to B over A's link.
    const { session } = JSON.parse((await request(`${b.base}/connection/poll`)).body) as { session: string };
    assert.match(session, /^node-b\.[A-Za-z0-9_-]{22}$/);
    assert.equal((await post(a.base, session, [{ id: 1, method: 'connect' }])).status, 204);

    // On the same link, A asks B for its connections (once B's snapshot says B is alive).
    let remote: { status: number; body: any } | undefined;
    for (let i = 0; i < 200 && remote?.status !== 200; i++) {
      remote = await api(a.base, 'connections', { node: 'node-b' });
      if (remote.status !== 200) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(remote?.status, 200, JSON.stringify(remote?.body));
    assert.equal(remote.body.result.node, 'node-b');
    assert.equal(remote.body.result.total, 1, 'the long-polling session connected through node A');
    assert.equal(remote.body.result.connections[0].transport, 'long-polling');

    // And the other way round, both kinds on B's link too.
    const { session: onA } = JSON.parse((await request(`${a.base}/connection/poll`)).body) as { session: string };
    assert.equal((await post(b.base, onA, [{ id: 1, method: 'connect' }])).status, 204);
    assert.equal((await api(b.base, 'connections', { node: 'node-a' })).body.result.total, 1);
  });

  it('with a broker of its own there is no link; the default id is random and fits the grammar', async () => {
    const server = createServer({ port: 0, host: '127.0.0.1', api: { apiKey: KEY } });
    const other = createServer({ port: 0, host: '127.0.0.1' });
    await server.ready();
    assert.equal(server.nodeLink, undefined);
    assert.ok(isNodeId(server.nodeId), server.nodeId);
    assert.notEqual(server.nodeId, other.nodeId);
    assert.equal(server.transports?.nodeId, server.nodeId);
    await server.close();
    await other.close();
  });

  it("closing the server closes its link: requests still waiting fail with closed", async () => {
    const engine = new MemoryEngine();
    const a = await node('closing-a', engine);
    const link = a.server.nodeLink!;
    link.handle('test.never', () => new Promise(() => {}));
    const waiting = link.request('closing-a', 'test.never', null).catch((error: unknown) => error);
    await a.server.close();
    assert.equal((await waiting as { reason?: string }).reason, 'closed');
  });

  it('refuses a node id outside the grammar, naming the option', () => {
    for (const nodeId of ['', 'has space', 'dotted.name', 'x'.repeat(65), '~node~x']) {
      assert.throws(() => createServer({ nodeId, detached: true }), (error: unknown) => error instanceof TypeError && /nodeId/.test(error.message), nodeId);
    }
  });
});
