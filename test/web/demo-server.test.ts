// The server side of the demo without a browser: hub options, the market feed, the chat
// name rpcs and the status endpoint.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '../../src/client/node.js';
import { MARKET_CHANNEL, MarketFeed, RPC_HELLO, RPC_WHO, isMarketTick, type DemoStatus, type WhoResult } from '../../src/demo/index.js';
import { startDemoServer, type DemoServer } from './demo-server.js';

let demo: DemoServer;
const clients: Client[] = [];

before(async () => {
  demo = await startDemoServer({ status: { sampleIntervalMs: 50 } }, false);
});

after(async () => {
  for (const client of clients) client.disconnect();
  await demo.stop();
});

function connect(): Client {
  const client = new Client(demo.url);
  clients.push(client);
  client.connect();
  return client;
}

test('the feed publishes ticks of every symbol to the market channel, kept in history', async () => {
  const client = connect();
  const sub = client.subscribe(MARKET_CHANNEL);
  const symbols = new Set<string>();
  await new Promise<void>((resolve) => {
    sub.on('publication', ({ data }) => {
      if (isMarketTick(data)) symbols.add(data.symbol);
      if (symbols.size === 5) resolve();
    });
  });
  const { publications } = await sub.history({ limit: 10 });
  assert.ok(publications.length > 0 && publications.every((p) => isMarketTick(p.data)));
});

test('only the server publishes market data', async () => {
  const client = connect();
  const sub = client.subscribe(MARKET_CHANNEL);
  await sub.ready();
  await assert.rejects(sub.publish({ symbol: 'FAKE', price: 1, time: 0 }), { codeName: 'permission_denied' });
});

test('chat: a registered name shows in the room`s member list; bad input is refused', async () => {
  const client = connect();
  await client.ready();
  assert.deepEqual(await client.rpc(RPC_HELLO, { name: '  小明\n🐼  ' }), { name: '小明 🐼' });
  await client.subscribe('chat:names').ready();
  const { members } = await client.rpc<WhoResult>(RPC_WHO, { room: 'names' });
  assert.deepEqual(members, [{ client: client.id, name: '小明 🐼' }]);
  await assert.rejects(client.rpc(RPC_HELLO, { name: '   ' }), { codeName: 'bad_request' });
  await assert.rejects(client.rpc(RPC_WHO, { room: 'no spaces' }), { codeName: 'bad_request' });
});

test('chat messages say who sent them (publisherInfo), live and in history', async () => {
  const alice = connect();
  const bob = connect();
  await Promise.all([alice.ready(), bob.ready()]);
  const heard: Array<string | undefined> = [];
  const room = bob.subscribe('chat:senders');
  room.on('publication', ({ info }) => heard.push(info?.client));
  await room.ready();
  await alice.subscribe('chat:senders').ready();
  await alice.publish('chat:senders', { name: 'Alice', text: 'hi', sentAt: Date.now() });
  while (heard.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.deepEqual(heard, [alice.id]);
  const { publications } = await bob.history('chat:senders');
  assert.deepEqual(publications.map((p) => p.info?.client), [alice.id]);
});

test('the status endpoint answers JSON figures, with recent samples', async () => {
  const client = connect();
  await client.subscribe('chat:status').ready();
  let status: DemoStatus;
  do {
    const response = await fetch(`${demo.base}/demo/status`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    status = (await response.json()) as DemoStatus;
  } while (status.recent.length < 2 || status.messagesPerSecond === 0);
  assert.ok(status.connections >= 1);
  assert.ok(status.channels >= 1);
  assert.ok(status.publications > 0);
  assert.deepEqual(Object.keys(status).sort(), ['at', 'channels', 'connections', 'messagesPerSecond', 'publications', 'recent', 'uptimeSeconds']);
  assert.equal((await fetch(`${demo.base}/demo/status`, { method: 'POST' })).status, 405);
  assert.equal((await fetch(`${demo.base}/no-such-page`)).status, 404);
});

test('the market walk takes bounded steps and publishes prices in cents', async () => {
  const published: unknown[] = [];
  const feed = new MarketFeed(async (_channel, data) => published.push(data), {
    symbols: { ONE: 100 }, ticksPerSecond: 1, volatility: 0.01, random: () => 1,
  });
  feed.stop();
  feed.tick();
  feed.tick();
  assert.deepEqual(published.map((t) => (t as { price: number }).price), [101, 102.01]);
  assert.deepEqual(feed.snapshot(), { ONE: 102.01 });
});
