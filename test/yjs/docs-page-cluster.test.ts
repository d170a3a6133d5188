// The Docs page on two server nodes sharing Redis, one browser on each node: typing at
// once converges, and an edit made while one browser is offline merges on its return.
// Skipped without Chromium or Redis (except in CI).

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildWeb } from '../../scripts/build-web.js';
import { RedisBroker } from '../../src/broker/redis/redis-broker.js';
import { REDIS_URL, serviceSkipReason, uniquePrefix } from '../cluster/engines.js';
import { removeRedisState } from '../cluster/redis-cleanup.js';
import { chromiumSkipReason, launchChromium } from '../support/chromium.js';
import { startDocsServer, tempDir, type DocsServer } from './helpers.js';
import { ARTIFACTS, isSubsequence, openDocs, textOf, typeAt, waitSynced, waitText } from './page-helpers.js';

const skip = chromiumSkipReason() || (await serviceSkipReason('Redis', REDIS_URL)) || false;
if (skip) console.log(`# skipping the Docs page on two Redis nodes: ${skip}`);

describe('the Docs page on two nodes sharing Redis', { skip }, () => {
  const web = tempDir('docs-cluster-web');
  const prefix = uniquePrefix('yjspage');
  const brokers: RedisBroker[] = [];
  const nodes: DocsServer[] = [];
  const contexts: BrowserContext[] = [];
  let browser: Browser;

  before(async () => {
    await buildWeb(web.path);
    for (let i = 0; i < 2; i++) {
      const broker = await RedisBroker.connect({ url: REDIS_URL, prefix });
      brokers.push(broker);
      nodes.push(await startDocsServer({ server: { broker, staticDir: web.path } }));
    }
    browser = await launchChromium();
  });
  after(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await Promise.all(nodes.map((node) => node.close()));
    await Promise.all(brokers.map((broker) => broker.close()));
    await removeRedisState(REDIS_URL, prefix);
    web.remove();
  });

  let alice: Page;
  let bob: Page;

  it('browsers on different nodes typing at once converge', async () => {
    alice = await openDocs(browser, contexts, `http://127.0.0.1:${nodes[0]!.port}/docs.html?doc=across`, 'Alice');
    bob = await openDocs(browser, contexts, `http://127.0.0.1:${nodes[1]!.port}/docs.html?doc=across`, 'Bob');
    const fromAlice = 'Alice on node one. ';
    const fromBob = 'Bob on node two. ';
    await Promise.all([typeAt(alice, 'start', fromAlice), typeAt(bob, 'end', fromBob)]);
    const length = fromAlice.length + fromBob.length;
    await waitText(alice, (text, expected) => text.length === expected, 'Alice to see both', length);
    await waitText(bob, (text, expected) => text.length === expected, 'Bob to see both', length);
    const text = await textOf(alice);
    assert.equal(await textOf(bob), text);
    assert.ok(isSubsequence(fromAlice, text) && isSubsequence(fromBob, text), text);
    await alice.locator('.cm-ySelectionInfo', { hasText: 'Bob' }).waitFor({ timeout: 60_000 });
    await alice.screenshot({ path: join(ARTIFACTS, 'yjs-docs-two-nodes.png') });
  });

  it('an edit made offline on node two merges with one made meanwhile on node one', async () => {
    await bob.click('#offline');
    await typeAt(alice, 'end', '[Alice, node one]');
    await typeAt(bob, 'start', '[Bob, offline] ');
    await bob.click('#offline');
    await waitSynced(bob);
    const merged = (text: string) => text.includes('[Alice, node one]') && text.includes('[Bob, offline] ');
    await waitText(alice, merged, 'Alice to get Bob\'s offline edit');
    await waitText(bob, merged, 'Bob to get Alice\'s edit');
    assert.equal(await textOf(alice), await textOf(bob));
  });
});
