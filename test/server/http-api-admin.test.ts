// The HTTP API methods operators (and the admin console) use: connections with their
// traffic and paging, channels with subscribers and presence, node info with the other
// nodes' figures (two nodes on one memory engine), and the traffic counters themselves.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryBroker } from '../../src/broker/memory.js';
import { MemoryEngine } from '../../src/broker/memory-engine.js';
import { createHttpApi } from '../../src/server/http-api.js';
import { NODE_STATS_CHANNEL, NodeStats } from '../../src/server/node-stats.js';
import { WireErrorCode as ErrorCode } from '../../src/wire/index.js';
import { SECRET, eventually, hsToken, makeHub, type TestHub } from '../hub/helpers.js';

const KEY = 'k3y';

async function serve(api: ReturnType<typeof createHttpApi>): Promise<{ server: Server; base: string }> {
  const server = createServer(api);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function post(base: string, method: string, body: unknown = {}) {
  const response = await fetch(`${base}/api/${method}`, { method: 'POST', headers: { authorization: `apikey ${KEY}` }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as any };
}

describe('HTTP API: connections, channels and info', () => {
  let h: TestHub;
  let server: Server;
  let base: string;
  let stats: NodeStats;

  before(async () => {
    h = makeHub({ namespaces: { chat: { presence: true, historySize: 10 } }, auth: { hmacSecret: SECRET } });
    stats = new NodeStats(h.hub, { nodeId: 'node-a', version: '9.9.9', intervalMs: 0, now: h.clock.now });
    ({ server, base } = await serve(createHttpApi(h.hub, { apiKey: KEY }, { nodeStats: stats, serverLimits: { maxConnections: 77 } })));
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('lists connections with user, transport, channels, connected since and traffic', async () => {
    const alice = await h.client({ token: await hsToken({ sub: 'alice' }) });
    await alice.call('subscribe', { channel: 'chat:one' });
    await alice.call('subscribe', { channel: 'chat:two' });
    await alice.call('publish', { channel: 'chat:one', data: { text: '你好' } });
    const { status, body } = await post(base, 'connections', { user: 'alice' });
    assert.equal(status, 200);
    assert.equal(body.result.node, 'node-a');
    assert.equal(body.result.total, 1);
    const [row] = body.result.connections;
    assert.equal(row.client, alice.connection.id);
    assert.equal(row.user, 'alice');
    assert.equal(row.transport, 'websocket');
    assert.equal(row.state, 'connected');
    assert.deepEqual(row.channels, ['chat:one', 'chat:two']);
    assert.equal(row.connectedAt, h.clock.now());
    // connect, 2 subscribes, publish in; their 4 replies and the publication's push out.
    assert.equal(row.messagesIn, 4);
    assert.equal(row.messagesOut, 5);
    const sentBytes = alice.session.sent.reduce((sum, m) => sum + Buffer.byteLength(m.text), 0);
    assert.equal(row.bytesOut, sentBytes);
    assert.ok(row.bytesIn > 0);
    assert.equal(row.errors, 0);
    await alice.expectError('subscribe', { channel: 'chat:one' }, ErrorCode.alreadySubscribed);
    const again = await post(base, 'connections', { user: 'alice' });
    assert.equal(again.body.result.connections[0].errors, 1);
    assert.equal(JSON.stringify(again.body).includes('connInfo'), false);
  });

  it('pages connections and filters by user', async () => {
    for (let i = 0; i < 5; i++) await h.client({ token: await hsToken({ sub: 'bob' }) });
    const page1 = await post(base, 'connections', { user: 'bob', limit: 2 });
    const page2 = await post(base, 'connections', { user: 'bob', limit: 2, offset: 2 });
    const page3 = await post(base, 'connections', { user: 'bob', limit: 2, offset: 4 });
    assert.equal(page1.body.result.total, 5);
    const ids = [page1, page2, page3].flatMap((p) => p.body.result.connections.map((c: any) => c.client));
    assert.equal(ids.length, 5);
    assert.equal(new Set(ids).size, 5);
    assert.equal((await post(base, 'connections', { user: 'nobody' })).body.result.total, 0);
    const all = await post(base, 'connections', {});
    assert.equal(all.body.result.total, h.hub.connectionCount);
  });

  it('refuses bad paging with 400 / bad_request', async () => {
    for (const body of [{ limit: 1001 }, { limit: -1 }, { offset: 'x' }, { user: 5 }]) {
      const { status, body: answer } = await post(base, 'connections', body);
      assert.equal(status, 400, JSON.stringify(body));
      assert.equal(answer.error.code, ErrorCode.badRequest);
    }
    assert.equal((await post(base, 'channels', { limit: 5000 })).status, 400);
    assert.equal((await post(base, 'channels', { prefix: 1 })).status, 400);
  });

  it('lists channels with local subscribers and presence counts, paged and by prefix', async () => {
    const carol = await h.client({ token: await hsToken({ sub: 'carol' }) });
    await carol.call('subscribe', { channel: 'chat:one' });
    await carol.call('subscribe', { channel: 'plain' });
    const { status, body } = await post(base, 'channels', { prefix: 'chat:' });
    assert.equal(status, 200);
    assert.equal(body.result.node, 'node-a');
    assert.deepEqual(body.result.channels.find((c: any) => c.channel === 'chat:one'), {
      channel: 'chat:one', subscribers: 2, presence: { numClients: 2, numUsers: 2 },
    });
    assert.equal(body.result.channels.every((c: any) => c.channel.startsWith('chat:')), true);
    const plain = await post(base, 'channels', { prefix: 'plain' });
    assert.deepEqual(plain.body.result.channels, [{ channel: 'plain', subscribers: 1 }]);
    const paged = await post(base, 'channels', { limit: 1, offset: 1 });
    assert.equal(paged.body.result.channels.length, 1);
    assert.equal(paged.body.result.total, h.hub.channelCount);
  });

  it('info names the node, its version, broker, uptime and limits, and counts the traffic', async () => {
    h.clock.advance(5_000);
    const { status, body } = await post(base, 'info');
    assert.equal(status, 200);
    const info = body.result;
    assert.equal(info.node.id, 'node-a');
    assert.equal(info.node.version, '9.9.9');
    assert.equal(info.node.broker, 'memory');
    assert.equal(info.node.uptimeSeconds, 5);
    assert.equal(info.node.limits.maxConnections, 77);
    assert.equal(info.node.limits.maxMessageSize, h.hub.options.limits.maxMessageSize);
    assert.equal(info.connections, h.hub.connectionCount);
    assert.equal(info.nodes.length, 1);
    assert.equal(info.totals.nodes, 1);
    assert.equal(info.totals.connections, h.hub.connectionCount);
    assert.ok(info.nodes[0].messagesInPerSecond > 0, 'messages came in during those 5 s');
    assert.ok(info.nodes[0].errorsPerSecond > 0, 'one error reply');
  });

  it('keeps counting the traffic of connections that closed', async () => {
    const before = h.hub.traffic();
    const dave = await h.client();
    await dave.call('subscribe', { channel: 'plain' });
    dave.connection.handleClose();
    const after = h.hub.traffic();
    assert.equal(after.messagesIn - before.messagesIn, 2);
    assert.equal(after.messagesOut - before.messagesOut, 2);
  });
});

describe('HTTP API info: every node of a cluster', () => {
  it("shows the other nodes' snapshots and totals, and forgets a node that went away", async () => {
    const engine = new MemoryEngine();
    const a = makeHub({ broker: new MemoryBroker({ engine, pruneIntervalMs: 0 }) });
    const b = makeHub({ broker: new MemoryBroker({ engine, pruneIntervalMs: 0 }) });
    const statsA = new NodeStats(a.hub, { nodeId: 'a', version: '1', intervalMs: 50 });
    const statsB = new NodeStats(b.hub, { nodeId: 'b', version: '1', intervalMs: 50 });
    statsA.start();
    statsB.start();
    for (let i = 0; i < 3; i++) await b.client();
    const { server, base } = await serve(createHttpApi(a.hub, { apiKey: KEY }, { nodeStats: statsA }));
    try {
      let info: any;
      await eventually(() => {
        const nodes = statsA.nodes();
        return nodes.length === 2 && nodes[1]!.connections === 3;
      }, 1_000_000);
      info = (await post(base, 'info')).body.result;
      assert.deepEqual(info.nodes.map((n: any) => n.node), ['a', 'b']);
      assert.equal(info.nodes[1].connections, 3);
      assert.equal(info.totals.nodes, 2);
      assert.equal(info.totals.connections, 3);
      await statsB.stop();
      assert.deepEqual(statsA.nodes().map((n) => n.node), ['a'], 'the goodbye drops node b at once');
      info = (await post(base, 'info')).body.result;
      assert.ok(Array.isArray(info.recent) && info.recent.length > 0, 'samples of the totals for the charts');
    } finally {
      await statsA.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('ignores malformed snapshots on the internal channel', async () => {
    const engine = new MemoryEngine();
    const broker = new MemoryBroker({ engine, pruneIntervalMs: 0 });
    const a = makeHub({ broker });
    const stats = new NodeStats(a.hub, { nodeId: 'a', version: '1', intervalMs: 60_000 });
    stats.start();
    const other = new MemoryBroker({ engine, pruneIntervalMs: 0 });
    for (const text of ['not json', '{}', '{"node":"x"}', JSON.stringify({ node: 'x', version: '1', broker: 'm', connections: -1 }), 'x'.repeat(10_000)]) {
      await other.publish(NODE_STATS_CHANNEL, text);
    }
    await eventually(() => true);
    assert.deepEqual(stats.nodes().map((n) => n.node), ['a']);
    await stats.stop();
  });
});
