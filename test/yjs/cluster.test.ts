// Two server nodes sharing a broker, editors on different nodes: they converge, each
// node's copy of the document sees every update, and a late joiner on a node that never
// had the document (its own empty store, history trimmed) still gets all of it.
// Run on an in-process cluster (MemoryEngine), on Redis and on NATS (each skipped when
// unreachable, except in CI).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as Y from 'yjs';
import type { Broker } from '../../src/broker/broker.js';
import { MemoryBroker } from '../../src/broker/memory.js';
import { MemoryEngine } from '../../src/broker/memory-engine.js';
import { NatsBroker } from '../../src/broker/nats/nats-broker.js';
import { RedisBroker } from '../../src/broker/redis/redis-broker.js';
import { NATS_URL, REDIS_URL, serviceSkipReason, uniquePrefix } from '../cluster/engines.js';
import { removeNatsState } from '../cluster/nats-cleanup.js';
import { removeRedisState } from '../cluster/redis-cleanup.js';
import { openEditor, startDocsServer, textOf, until, type DocsServer, type Editor } from './helpers.js';

interface Engine {
  brokers(count: number): Promise<Broker[]>;
  close(): Promise<void>;
}

function clusterSuite(name: string, engine: () => Promise<Engine>): void {
  describe(`documents on two nodes: ${name}`, () => {
    let cluster: Engine;
    let nodes: DocsServer[];
    const editors: Editor[] = [];
    const open = (node: number, channel: string) => {
      const editor = openEditor(nodes[node]!.url, channel);
      editors.push(editor);
      return editor;
    };
    const nodeText = async (node: number, channel: string) => {
      const doc = new Y.Doc();
      Y.applyUpdate(doc, await nodes[node]!.service.encodeState(channel));
      return textOf(doc);
    };

    before(async () => {
      cluster = await engine();
      const brokers = await cluster.brokers(2);
      // Each node its own store: only the broker connects them.
      nodes = await Promise.all(brokers.map((broker) => startDocsServer({ historySize: 5, server: { broker } })));
    });
    after(async () => {
      for (const editor of editors) editor.close();
      await Promise.all(nodes.map((node) => node.close()));
      await cluster.close();
    });

    it('editors on different nodes typing at once converge, and both nodes hold the same document', async () => {
      const a = open(0, 'docs:cluster-converge');
      const b = open(1, 'docs:cluster-converge');
      await Promise.all([a.provider.whenSynced(), b.provider.whenSynced()]);
      for (let i = 0; i < 20; i++) {
        a.text.insert(0, 'a');
        b.text.insert(b.text.length, 'b');
        if (i % 4 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
      }
      await until(() => textOf(a.doc).length === 40 && textOf(a.doc) === textOf(b.doc), 'the editors to converge', 30_000);
      const text = textOf(a.doc);
      for (const node of [0, 1]) {
        let held = await nodeText(node, 'docs:cluster-converge');
        const deadline = Date.now() + 30_000;
        while (held !== text && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 10));
          held = await nodeText(node, 'docs:cluster-converge');
        }
        assert.equal(held, text, `node ${node}'s copy`);
      }
    });

    it('an editor cut off on one node and typing meanwhile merges with the other node on return', async () => {
      const a = open(0, 'docs:cluster-offline');
      const b = open(1, 'docs:cluster-offline');
      await Promise.all([a.provider.whenSynced(), b.provider.whenSynced()]);
      a.text.insert(0, '[start]');
      await until(() => textOf(b.doc) === '[start]', 'b to see the start', 30_000);
      b.client.disconnect();
      a.text.insert(a.text.length, '[a online]');
      b.text.insert(0, '[b offline]');
      await until(() => nodes[0]!.service.stats.updates >= 2, 'node 0 to merge a\'s edit', 30_000);
      b.client.connect();
      await until(() => textOf(a.doc) === textOf(b.doc) && textOf(a.doc).includes('[b offline]') && textOf(a.doc).includes('[a online]'), 'a and b to converge', 30_000);
    });

    it('a late joiner on a node that never loaded the document sees all of it after the history was trimmed', async () => {
      const a = open(0, 'docs:cluster-late');
      await a.provider.whenSynced();
      for (let i = 0; i < 12; i++) {
        const merged = nodes[0]!.service.stats.updates;
        a.text.insert(a.text.length, `${i};`);
        await until(() => nodes[0]!.service.stats.updates > merged, `edit ${i} to reach node 0`, 30_000);
      }
      const expected = textOf(a.doc);
      // Node 1 never had it: its own store is empty, and only 5 of 12 publications are kept.
      assert.equal(await nodes[1]!.service.options.store.load('docs:cluster-late'), undefined);
      const late = open(1, 'docs:cluster-late');
      await late.provider.whenSynced();
      await until(() => textOf(late.doc) === expected, 'the late joiner on node 1 to see everything', 30_000);
    });
  });
}

clusterSuite('in-process (MemoryEngine)', async () => {
  const engine = new MemoryEngine();
  const created: MemoryBroker[] = [];
  return {
    async brokers(count) {
      const brokers = Array.from({ length: count }, () => new MemoryBroker({ engine }));
      created.push(...brokers);
      return brokers;
    },
    async close() {
      await Promise.all(created.map((broker) => broker.close()));
    },
  };
});

const skip = await serviceSkipReason('Redis', REDIS_URL);
if (skip !== undefined) {
  describe('documents on two nodes: redis', { skip }, () => {});
} else {
  clusterSuite('redis', async () => {
    const prefix = uniquePrefix('yjs');
    const created: RedisBroker[] = [];
    return {
      async brokers(count) {
        const brokers = await Promise.all(Array.from({ length: count }, () => RedisBroker.connect({ url: REDIS_URL, prefix })));
        created.push(...brokers);
        return brokers;
      },
      async close() {
        await Promise.all(created.map((broker) => broker.close()));
        await removeRedisState(REDIS_URL, prefix);
      },
    };
  });
}

const natsSkip = await serviceSkipReason('NATS', NATS_URL);
if (natsSkip !== undefined) {
  describe('documents on two nodes: nats', { skip: natsSkip }, () => {});
} else {
  clusterSuite('nats', async () => {
    const prefix = uniquePrefix('yjs');
    const created: NatsBroker[] = [];
    return {
      async brokers(count) {
        const brokers = await Promise.all(Array.from({ length: count }, () => NatsBroker.connect({ url: NATS_URL, prefix, storage: 'memory' })));
        created.push(...brokers);
        return brokers;
      },
      async close() {
        await Promise.all(created.map((broker) => broker.close()));
        await removeNatsState(NATS_URL, prefix);
      },
    };
  });
}
