// The Game page in Chromium against the demo server: two browsers in one match see each
// other move (screenshot in test-artifacts/web-game.png); a player cut for a few seconds
// comes back with their position and score; bad inputs from the page's own client are
// refused with codes. The pages are built into a folder of this test's own.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildWeb } from '../../scripts/build-web.js';
import { demoServerOptions, startDemo, type Demo } from '../../src/demo/index.js';
import { createServer, type VolleyServer } from '../../src/server/server.js';
import { PAGE_HELPERS, chromiumSkipReason, launchChromium } from '../support/chromium.js';
import { ARTIFACTS } from './demo-server.js';

const skip = chromiumSkipReason();
if (skip) console.log(`# skipping the Game page in Chromium: ${skip}`);
const WAIT = { timeout: 60_000 };

interface Row { id: string; x: number; y: number; score: number; online: boolean }

/** The player list as the page shows it (its rows carry id, position and score). */
function rows(page: Page): Promise<Row[]> {
  return page.locator('#players li').evaluateAll((items) => items.map((li) => {
    const data = (li as HTMLElement).dataset;
    return { id: data.id ?? '', x: Number(data.x), y: Number(data.y), score: Number(data.score), online: !li.classList.contains('offline') };
  }));
}

describe('the Game page in Chromium', { skip }, () => {
  let web: string;
  let server: VolleyServer;
  let demo: Demo;
  let base = '';
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  before(async () => {
    web = await mkdtemp(join(tmpdir(), 'volley-game-web-'));
    await buildWeb(web);
    await mkdir(ARTIFACTS, { recursive: true });
    server = createServer({ ...demoServerOptions(), port: 0, host: '127.0.0.1', staticDir: web });
    const { port } = await server.listen();
    demo = startDemo(server, { docs: false, game: { graceMs: 60_000, presenceCheckMs: 200 } });
    base = `http://127.0.0.1:${port}`;
    browser = await launchChromium();
  });
  after(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await demo?.stop();
    await server?.close();
    await rm(web, { recursive: true, force: true });
  });

  const open = async (name: string): Promise<Page> => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 640 }, deviceScaleFactor: 1 });
    contexts.push(context);
    const page = await context.newPage();
    await page.addInitScript(PAGE_HELPERS);
    page.on('pageerror', (error) => console.log(`# page error (${name}): ${error.message}`));
    await page.goto(`${base}/game.html?match=test&name=${name}`);
    await page.locator('#players li.me').waitFor(WAIT);
    return page;
  };
  const myId = (page: Page) => page.locator('#players li.me').getAttribute('data-id') as Promise<string>;
  const rowOf = async (page: Page, id: string) => (await rows(page)).find((row) => row.id === id);
  /** Waits until `page` shows player `id` satisfying `check` (evaluated in the test, polled). */
  const waitRow = async (page: Page, id: string, check: (row: Row) => boolean, what: string) => {
    const deadline = Date.now() + WAIT.timeout;
    for (;;) {
      const row = await rowOf(page, id);
      if (row !== undefined && check(row)) return row;
      if (Date.now() > deadline) throw new Error(`${what}: ${JSON.stringify(row)}`);
      await page.waitForTimeout(50); // a poll, not a wait for time to pass: the loop ends on the condition
    }
  };

  let alice: Page;
  let bob: Page;
  let aliceId: string;

  it('two browsers in one match see each other move', async () => {
    alice = await open('Alice');
    bob = await open('Bob');
    aliceId = await myId(alice);
    const bobId = await myId(bob);
    await waitRow(alice, bobId, () => true, 'Alice sees Bob');
    const start = await waitRow(bob, aliceId, () => true, 'Bob sees Alice');
    const key = start.x < 400 ? 'ArrowRight' : 'ArrowLeft';
    await alice.locator('#arena').focus();
    await alice.keyboard.down(key);
    await waitRow(bob, aliceId, (row) => Math.abs(row.x - start.x) >= 60, 'Bob sees Alice move');
    await alice.keyboard.up(key);
    const bobStart = await waitRow(alice, bobId, () => true, 'Bob on Alice\'s page');
    await bob.locator('#arena').focus();
    const bobKey = bobStart.y < 250 ? 'ArrowDown' : 'ArrowUp';
    await bob.keyboard.down(bobKey);
    await waitRow(alice, bobId, (row) => Math.abs(row.y - bobStart.y) >= 60, 'Alice sees Bob move');
    await bob.keyboard.up(bobKey);
    await bob.fill('#chat-text', 'gg 🎉');
    await bob.press('#chat-text', 'Enter');
    await alice.locator('#chat-lines li', { hasText: 'gg 🎉' }).waitFor(WAIT);
    await alice.screenshot({ path: join(ARTIFACTS, 'web-game.png') });
  });

  it('a player cut for 3 s rejoins with their position and score', async () => {
    const before = await waitRow(alice, aliceId, () => true, 'Alice on her page');
    // The server keeps Alice's player; her page goes away and a new one comes up in the
    // same tab (its rejoin ticket is in sessionStorage) after the server has seen her drop.
    const cutAt = Date.now();
    await alice.goto('about:blank');
    await waitRow(bob, aliceId, (row) => !row.online, 'Bob sees Alice dropped');
    // The cut lasts 3 s in all (the scenario's length, not a wait for something to happen).
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 3000 - (Date.now() - cutAt))));
    const kept = demo.game!.snapshot('test')!.players.find((p) => String(p.id) === aliceId)!;
    await alice.goto(`${base}/game.html?match=test&name=Alice`);
    await alice.locator('#players li.me').waitFor(WAIT);
    assert.equal(await myId(alice), aliceId, 'the same player id');
    const back = await waitRow(alice, aliceId, (row) => row.online, 'Alice back online');
    assert.deepEqual({ x: back.x, y: back.y, score: back.score }, { x: kept.x, y: kept.y, score: kept.score });
    assert.deepEqual({ x: back.x, y: back.y, score: back.score }, { x: before.x, y: before.y, score: before.score });
    await waitRow(bob, aliceId, (row) => row.online, 'Bob sees Alice back');
  });

  it('bad inputs on the page\'s server are refused with bad_request (107), naming a player with 103', async () => {
    // The page sends only clamped directions; a stranger's client sends anything.
    const { Client } = await import('../../src/client/node.js');
    const client = new Client(base.replace('http', 'ws') + '/connection/websocket');
    try {
      client.connect();
      await assert.rejects(client.rpc('game.join', { match: 'test', player: aliceId, name: 'Thief' }), { code: 103 }, 'nobody joins as another player');
      await client.rpc('game.join', { match: 'test', name: 'Bad' });
      for (const data of [{ match: 'test', dx: 5, dy: 0 }, { match: 'test', dx: 'left', dy: 0 }, { match: 'no such/match', dx: 0, dy: 0 }, [] as unknown]) {
        await assert.rejects(client.rpc('game.input', data), { code: 107 }, JSON.stringify(data));
      }
    } finally {
      client.disconnect();
    }
  });
});
