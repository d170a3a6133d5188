// Two `volley serve` nodes on Redis behind a round-robin proxy with no stickiness (each HTTP
// request goes to the next node): an SSE client and a long-polling client (the Node SDK)
// subscribe and publish; their requests are cut while a publisher on one node publishes,
// once briefly (the sessions resume through whichever node the next request reaches) and
// once for longer than the session grace (new sessions, the hub's recovery from Redis).
// Every publication arrives exactly once, in order, on both.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, type SubscribedContext, type TransportName } from '../../src/client/node.js';
import { NoUpgradeProxy } from '../support/no-upgrade-proxy.js';
import { buildOnce, killAll, startServe, type Served } from '../cli/helpers.js';
import { REDIS_URL, serviceSkipReason, uniquePrefix } from '../cluster/engines.js';
import { sleep, until } from '../client/helpers.js';

const skip = await serviceSkipReason('Redis', REDIS_URL);
const cleanups: Array<() => unknown> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  killAll();
});

const CONFIG = {
  namespaces: { feed: { historySize: 5_000, historyTtlMs: 600_000, presence: true } },
  limits: { publishRate: 100_000, publishBurst: 100_000 }, // the publisher goes as fast as acks come
  // A short grace, so that the long cut outlives the sessions; frequent heartbeats.
  transports: { sessionGraceMs: 1_000, heartbeatMs: 500 },
};

interface Follower {
  client: Client;
  got: number[];
  subscribed: SubscribedContext[];
}

async function follower(url: string, transport: TransportName, channel: string): Promise<Follower> {
  const client = new Client(url, { transports: [transport], rememberTransport: false, minReconnectDelayMs: 50, maxReconnectDelayMs: 300 });
  cleanups.push(() => client.disconnect());
  const entry: Follower = { client, got: [], subscribed: [] };
  const sub = client.subscribe<{ n: number }>(channel);
  sub.on('publication', ({ data }) => entry.got.push(data.n));
  sub.on('subscribed', (context) => entry.subscribed.push(context));
  client.connect();
  await sub.ready();
  assert.equal(client.transport, transport);
  return entry;
}

test('SSE and long-polling clients through a round-robin proxy over two Redis nodes: cut, resumed, recovered, exactly once', { skip }, async () => {
  await buildOnce();
  const dir = await mkdtemp(join(tmpdir(), 'volley-e2e-cluster-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const configFile = join(dir, 'volley.json');
  await writeFile(configFile, JSON.stringify(CONFIG));
  const broker = `${REDIS_URL}/?prefix=${uniquePrefix('e2etr')}`;
  const nodes: Served[] = [];
  for (let i = 0; i < 2; i++) {
    const served = await startServe(['--no-demo', '--broker', broker, '--config', configFile]);
    cleanups.push(() => served.stop());
    nodes.push(served);
  }
  const ports = nodes.map((node) => Number(new URL(node.httpBase).port));
  const proxy = new NoUpgradeProxy(ports);
  await proxy.listen();
  cleanups.push(() => proxy.close());

  const channel = 'feed:e2e';
  const sse = await follower(proxy.url, 'sse', channel);
  const poll = await follower(proxy.url, 'long-polling', channel);
  // The publisher talks to node 2 directly over WebSocket; its publications reach node 1 through Redis.
  const publisher = new Client(`ws://127.0.0.1:${ports[1]}/connection/websocket`, { transports: ['websocket'], rememberTransport: false });
  cleanups.push(() => publisher.disconnect());
  const publisherSub = publisher.subscribe(channel);
  publisher.connect();
  await publisherSub.ready();

  // The followers publish too: commands POSTed to either node reach the owner of their session.
  await sse.client.publish(channel, { n: 1 });
  await poll.client.publish(channel, { n: 2 });
  await until(() => sse.got.length === 2 && poll.got.length === 2, 'both clients see both publications');

  const total = 400;
  for (let n = 3; n <= total; n++) {
    await publisher.publish(channel, { n });
    if (n === 100 || n === 150) proxy.cut(); // brief: the next request (on either node) resumes the session
    if (n === 250) {
      proxy.down(); // long: longer than the session grace
      await until(() => sse.client.state === 'connecting' && poll.client.state === 'connecting', 'both clients give their sessions up', 60_000);
      proxy.up();
    }
    if (n % 10 === 0) await sleep(2);
  }
  const expected = Array.from({ length: total }, (_, i) => i + 1);
  for (const [name, entry] of [['sse', sse], ['long-polling', poll]] as const) {
    await until(() => entry.got.length >= total, `${name}: every publication (${entry.got.length}/${total})`, 60_000);
  }
  await sleep(200); // a duplicate would come right behind
  for (const [name, entry] of [['sse', sse], ['long-polling', poll]] as const) {
    assert.deepEqual(entry.got, expected, `${name}: every publication exactly once, in order`);
    // Subscribed twice: at the start, and after the long cut. The brief cuts were resumed in the same session.
    assert.equal(entry.subscribed.length, 2, `${name}: resubscribed only after the long cut`);
    assert.ok(entry.subscribed.slice(1).every((context) => context.wasRecovering && context.recovered), `${name}: recovered: true`);
  }
  for (const port of ports) assert.ok((proxy.forwarded.get(port) ?? 0) > 10, `requests reached node ${port}: ${proxy.forwarded.get(port)}`);
});
