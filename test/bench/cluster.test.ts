// npm run bench's cluster rows at a tiny size: two of Volley's hub nodes on the local Redis
// (and on NATS with JetStream), subscribers on both, the publisher on one (the Go load generator's -addr2). Skipped with a
// line outside CI when Go or Redis is missing. No timing is asserted.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { NATS_URL, REDIS_URL, serviceSkipReason } from '../cluster/engines.js';
import { assertFigures, bench, benchOutDir, goSkipReason, newest } from './helpers.js';

describe('npm run bench: a cluster on Redis', () => {
  const out = benchOutDir({ build: true });

  test('a cluster: two hub nodes on Redis, subscribers on both, the publisher on one', { timeout: 120_000, skip: goSkipReason }, async (t) => {
    const redisSkip = await serviceSkipReason('Redis', REDIS_URL);
    if (redisSkip !== undefined) {
      t.skip(redisSkip);
      return;
    }
    const result = await bench(['--tiny', '--no-build', '--no-install', '--servers', 'volley-hub-redis', '--out', out(), '--scenario', 'cluster-fanout-1k']);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    const { doc, md } = newest(out());
    assertFigures(doc);
    assert.match(doc.scenarios[0]!.runs[0]!.command, / -addr2 ADDR2 -pid2 PID2$/);
    assert.match(md, /^## Cluster: 2 nodes on Redis/m);
  });

  test('a cluster on NATS: its p99 beside one node\'s, and what the second node adds', { timeout: 120_000, skip: goSkipReason }, async (t) => {
    const natsSkip = await serviceSkipReason('NATS', NATS_URL);
    if (natsSkip !== undefined) {
      t.skip(natsSkip);
      return;
    }
    const result = await bench(['--tiny', '--no-build', '--no-install', '--servers', 'volley-hub,volley-hub-nats', '--out', out(), '--scenario', 'hub-latency,cluster-latency']);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    const { doc, md } = newest(out());
    assertFigures(doc);
    const cluster = doc.scenarios.find((s) => s.name === 'cluster-latency')!;
    assert.deepEqual(Object.keys(cluster.stats), ['volley-hub-nats']);
    assert.match(md, /^### What the second node adds$/m);
    assert.match(md, /^\| p99 at 20 msg\/s \| volley-hub-nats \| volley-hub \| /m);
  });
});
