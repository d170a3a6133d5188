// NodeLink: node-to-node requests and messages over a Broker, with two memory nodes on one
// engine and, when they answer, the machine's Redis and NATS.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Broker } from '../../../src/broker/broker.js';
import { inboxOf, isNodeId, newNodeId, NodeLink, NodeLinkError } from '../../../src/broker/cluster/node-link.js';
import { MemoryBroker } from '../../../src/broker/memory.js';
import { MemoryEngine } from '../../../src/broker/memory-engine.js';
import { parseChannelName } from '../../../src/hub/channel-name.js';
import { brokerPairKinds } from '../../cluster/broker-pairs.js';

function linkSuite(name: string, makeBrokers: () => Promise<{ brokers: [Broker, Broker]; close: () => Promise<void> }>): void {
  describe(`NodeLink over ${name}`, () => {
    const cleanups: Array<() => Promise<void>> = [];
    after(async () => {
      for (const cleanup of cleanups.splice(0)) await cleanup();
    });

    async function pair(timeoutMs = 5_000): Promise<[NodeLink, NodeLink]> {
      const { brokers, close } = await makeBrokers();
      const a = new NodeLink(brokers[0], 'node-a', { timeoutMs });
      const b = new NodeLink(brokers[1], 'node-b', { timeoutMs });
      await Promise.all([a.start(), b.start()]);
      cleanups.push(async () => {
        await a.close();
        await b.close();
        await close();
      });
      return [a, b];
    }

    it('a request is answered by the other node, with the sender named', async () => {
      const [a, b] = await pair();
      b.handle('add', (body, from) => ({ sum: (body as { x: number; y: number }).x + (body as { x: number; y: number }).y, from }));
      b.handle('slow', async (body) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return body;
      });
      assert.deepEqual(await a.request('node-b', 'add', { x: 2, y: 3 }), { sum: 5, from: 'node-a' });
      assert.deepEqual(await a.request('node-b', 'slow', ['echo']), ['echo']);
    });

    it('concurrent requests get their own replies (correlation ids)', async () => {
      const [a, b] = await pair();
      b.handle('double', async (body) => {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 20));
        return (body as number) * 2;
      });
      const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => a.request('node-b', 'double', i)));
      assert.deepEqual(replies, Array.from({ length: 50 }, (_, i) => i * 2));
    });

    it('one-way messages from one node arrive in the order they were sent', async () => {
      const [a, b] = await pair();
      const got: number[] = [];
      let done!: () => void;
      const all = new Promise<void>((resolve) => (done = resolve));
      b.on('n', (body) => {
        got.push(body as number);
        if (got.length === 200) done();
      });
      for (let i = 0; i < 200; i++) void a.send('node-b', 'n', i);
      await all;
      assert.deepEqual(got, Array.from({ length: 200 }, (_, i) => i));
    });

    it('a handler that throws is a remote error; an unknown kind too; a node nobody runs times out', async () => {
      const [a, b] = await pair(300);
      b.handle('fail', () => {
        throw new Error('no way');
      });
      await assert.rejects(a.request('node-b', 'fail', null), (error: unknown) => error instanceof NodeLinkError && error.reason === 'remote' && /no way/.test(error.message));
      await assert.rejects(a.request('node-b', 'nothing', null), (error: unknown) => error instanceof NodeLinkError && error.reason === 'remote');
      await assert.rejects(a.request('node-z', 'add', null), (error: unknown) => error instanceof NodeLinkError && error.reason === 'timeout');
    });

    it('close() fails the requests still waiting', async () => {
      const [a, b] = await pair();
      b.handle('never', () => new Promise(() => {}));
      const waiting = assert.rejects(a.request('node-b', 'never', null), (error: unknown) => error instanceof NodeLinkError && error.reason === 'closed');
      await a.close();
      await waiting;
    });
  });
}

describe('the inbox channel', () => {
  it('is a name no client can subscribe to (outside the channel grammar)', () => {
    assert.equal(parseChannelName(inboxOf('abc')), undefined);
  });
});

describe('NodeLink limits and sharing (memory)', () => {
  function memoryPair(a: ConstructorParameters<typeof NodeLink>[2] = {}, b: ConstructorParameters<typeof NodeLink>[2] = {}) {
    const engine = new MemoryEngine();
    const brokers = [new MemoryBroker({ engine, pruneIntervalMs: 0 }), new MemoryBroker({ engine, pruneIntervalMs: 0 })] as const;
    const links = [new NodeLink(brokers[0], 'node-a', a), new NodeLink(brokers[1], 'node-b', b)] as const;
    return {
      engine,
      links,
      close: async () => {
        for (const link of links) await link.close();
        for (const broker of brokers) await broker.close();
      },
    };
  }
  const failsWith = (reason: NodeLinkError['reason']) => (error: unknown) => error instanceof NodeLinkError && error.reason === reason;

  it('a reply over the answering node\'s maxReplyBytes comes back as too_large; one at the cap passes', async () => {
    const { links: [a, b], close } = memoryPair({}, { maxReplyBytes: 1_000 });
    await Promise.all([a.start(), b.start()]);
    b.handle('text', (body) => 'x'.repeat(body as number));
    await assert.rejects(a.request('node-b', 'text', 1_000), failsWith('too_large'));
    // The envelope around a 900-character string stays under 1000 bytes.
    assert.equal(await a.request('node-b', 'text', 900), 'x'.repeat(900));
    // Multi-byte characters count as bytes, not characters.
    b.handle('wide', () => 'é'.repeat(600));
    await assert.rejects(a.request('node-b', 'wide', null), failsWith('too_large'));
    b.handle('cyclic', () => {
      const value: Record<string, unknown> = {};
      value.self = value;
      return value;
    });
    await assert.rejects(a.request('node-b', 'cyclic', null), failsWith('remote'));
    await close();
  });

  it('the default reply cap is 512 KiB', async () => {
    const { links: [a, b], close } = memoryPair();
    await Promise.all([a.start(), b.start()]);
    b.handle('text', (body) => 'x'.repeat(body as number));
    await assert.rejects(a.request('node-b', 'text', 512 * 1024), failsWith('too_large'));
    assert.equal(((await a.request('node-b', 'text', 500 * 1024)) as string).length, 500 * 1024);
    await close();
  });

  it('at most maxPending requests wait at once, all kinds together; the rest fail at once with full', async () => {
    const { links: [a, b], close } = memoryPair({ maxPending: 3, timeoutMs: 60_000 });
    await Promise.all([a.start(), b.start()]);
    const release: Array<() => void> = [];
    b.handle('hold', () => new Promise((resolve) => release.push(() => resolve('done'))));
    b.handle('other', () => 'other');
    const held = [a.request('node-b', 'hold', 1), a.request('node-b', 'hold', 2), a.request('node-b', 'hold', 3)];
    await assert.rejects(a.request('node-b', 'other', null), failsWith('full'));
    while (release.length < 3) await new Promise((resolve) => setImmediate(resolve));
    for (const done of release) done();
    assert.deepEqual(await Promise.all(held), ['done', 'done', 'done']);
    assert.equal(await a.request('node-b', 'other', null), 'other');
    await close();
  });

  it('a kind has one handler: a second one throws; remove() frees the kind and its requests fail as unknown', async () => {
    const { links: [a, b], close } = memoryPair();
    await Promise.all([a.start(), b.start()]);
    b.handle('k', () => 1);
    b.on('m', () => {});
    assert.throws(() => b.handle('k', () => 2), /already has a handler/);
    assert.throws(() => b.on('m', () => {}), /already has a handler/);
    assert.equal(await a.request('node-b', 'k', null), 1);
    b.remove('k', 'm');
    await assert.rejects(a.request('node-b', 'k', null), failsWith('remote'));
    b.handle('k', () => 3);
    assert.equal(await a.request('node-b', 'k', null), 3);
    await close();
  });

  it('refuses node ids outside the grammar, its own and a destination', async () => {
    const broker = new MemoryBroker({ pruneIntervalMs: 0 });
    for (const bad of ['', 'a b', 'a.b', 'x'.repeat(65), '~node~a', 'ü']) {
      assert.equal(isNodeId(bad), false, bad);
      assert.throws(() => new NodeLink(broker, bad), TypeError, bad);
    }
    const link = new NodeLink(broker, 'ok_-1');
    await assert.rejects(link.request('a.b', 'k', null), TypeError);
    await assert.rejects(link.send('a b', 'k', null), TypeError);
    assert.equal(isNodeId(newNodeId()), true);
    await link.close();
    await broker.close();
  });

  it('ignores garbage in its inbox, and envelopes naming a sender outside the grammar', async () => {
    const { engine, links: [a, b], close } = memoryPair();
    await Promise.all([a.start(), b.start()]);
    let asked = 0;
    b.handle('k', () => ++asked);
    const stranger = new MemoryBroker({ engine, pruneIntervalMs: 0 });
    const texts = ['not json', 'null', '{}', '[1]', '{"f":1,"t":"q","k":"k","i":"1"}', '{"f":"a b","t":"q","k":"k","i":"1"}', '{"f":"node-a","t":"r","i":"nobody"}'];
    for (const text of texts) await stranger.publish(inboxOf('node-b'), text);
    assert.equal(await a.request('node-b', 'k', null), 1);
    await stranger.close();
    await close();
  });

  it('a start that failed is tried again by the next start()', async () => {
    const broker = new MemoryBroker({ pruneIntervalMs: 0 });
    let failures = 1;
    const flaky: Broker = Object.create(broker) as Broker;
    flaky.subscribe = (channel, handler) => (failures-- > 0 ? Promise.reject(new Error('engine away')) : broker.subscribe(channel, handler));
    const link = new NodeLink(flaky, 'node-a');
    await assert.rejects(link.start(), /engine away/);
    await link.start();
    link.handle('echo', (body) => body);
    const other = new NodeLink(broker, 'node-b');
    await other.start();
    assert.equal(await other.request('node-a', 'echo', 'hi'), 'hi');
    await other.close();
    await link.close();
    await broker.close();
  });
});

for (const kind of await brokerPairKinds()) {
  if (kind.skip !== undefined) describe(`NodeLink over ${kind.name}`, { skip: kind.skip }, () => {});
  else linkSuite(kind.name, () => kind.connect('nodelink'));
}
