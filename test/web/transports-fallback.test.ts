// The chat demo in Chromium behind a proxy that refuses WebSocket (`Upgrade`), in front of
// the demo server as `volley serve` runs it (demoServerOptions + startDemo; the pages built
// into a folder of this test's own, so no other test rewrites them under it): the page falls back to an HTTP transport by itself, says which
// in its badge and remembers it; two more browsers forced onto SSE and long-polling chat
// with it and with each other and see each other's presence. Screenshots in
// test-artifacts/web-fallback-*.png. (test/transports/e2e-cluster.test.ts runs the real `volley serve`.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { PAGE_HELPERS, chromiumSkipReason, launchChromium } from '../support/chromium.js';
import { NoUpgradeProxy } from '../support/no-upgrade-proxy.js';
import { buildWeb } from '../../scripts/build-web.js';
import { demoServerOptions, startDemo, type Demo } from '../../src/demo/index.js';
import { createServer, type VolleyServer } from '../../src/server/server.js';
import { ARTIFACTS } from './demo-server.js';

const skip = chromiumSkipReason();
if (skip) console.log(`# skipping the WebSocket-blocked demo in Chromium: ${skip}`);
const WAIT = { timeout: 60_000 };
const ROOM = 'no-websocket';

let web: string;
let server: VolleyServer;
let demo: Demo;
let proxy: NoUpgradeProxy;
let browser: Browser;
const contexts: BrowserContext[] = [];

before(async () => {
  if (skip) return;
  web = await mkdtemp(join(tmpdir(), 'volley-fallback-web-'));
  await buildWeb(web);
  await mkdir(ARTIFACTS, { recursive: true });
  server = createServer({ ...demoServerOptions(), port: 0, host: '127.0.0.1', staticDir: web });
  const { port } = await server.listen();
  demo = startDemo(server, { docs: false });
  proxy = new NoUpgradeProxy([port]);
  await proxy.listen();
  browser = await launchChromium();
});

after(async () => {
  if (skip) return;
  for (const context of contexts) await context.close().catch(() => {});
  await browser?.close();
  await proxy?.close();
  demo?.stop();
  await server?.close();
  await rm(web, { recursive: true, force: true });
});

async function newContext(): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 640 }, deviceScaleFactor: 1 });
  contexts.push(context);
  return context;
}

async function open(context: BrowserContext, query: string): Promise<Page> {
  const page = await context.newPage();
  await page.addInitScript(PAGE_HELPERS);
  page.on('pageerror', (error) => console.log(`# page error (${query}): ${error.message}`));
  await page.goto(`${proxy.base}/chat.html?${query}`);
  return page;
}

async function joinRoom(page: Page, name: string): Promise<void> {
  await page.fill('#name', name);
  await page.fill('#room', ROOM);
  await page.click('#join button');
  await page.waitForSelector('body[data-view="room"]', WAIT);
}

async function send(page: Page, text: string): Promise<void> {
  await page.fill('#text', text);
  await page.press('#text', 'Enter');
}

const member = (page: Page, name: string) => page.locator('#members .member', { hasText: name }).waitFor(WAIT);
const message = (page: Page, text: string) => page.locator('#messages .message .text', { hasText: text }).waitFor(WAIT);
const badge = async (page: Page) => {
  await page.locator('#transport:not([hidden])').waitFor(WAIT);
  return page.textContent('#transport');
};

let alice: Page;

test('WebSocket refused by the proxy: the chat page falls back by itself, shows it, and remembers it', { skip }, async () => {
  const context = await newContext();
  alice = await open(context, `room=${ROOM}`);
  await joinRoom(alice, 'Alice');
  assert.equal(await badge(alice), 'http-stream');
  assert.ok(proxy.upgradesRefused >= 1, 'the page tried WebSocket first');
  await send(alice, 'hello from behind the proxy');
  await message(alice, 'hello from behind the proxy');
  // A reload in the same browser starts with the remembered transport: no WebSocket attempt.
  const refused = proxy.upgradesRefused;
  const again = await open(context, `room=${ROOM}`);
  await joinRoom(again, 'Reloaded');
  assert.equal(await badge(again), 'http-stream');
  assert.equal(proxy.upgradesRefused, refused);
  await message(again, 'hello from behind the proxy'); // the room's history, over HTTP
  await again.close();
});

test('two browsers forced onto SSE and long-polling chat with each other and see each other', { skip }, async () => {
  const bob = await open(await newContext(), `room=${ROOM}&transport=sse`);
  await joinRoom(bob, 'Bob 🐳');
  const carol = await open(await newContext(), `room=${ROOM}&transport=long-polling`);
  await joinRoom(carol, 'Carol 小红');
  assert.equal(await badge(bob), 'sse');
  assert.equal(await badge(carol), 'long-polling');

  await member(bob, 'Carol 小红');
  await member(carol, 'Bob 🐳');
  await member(carol, 'Alice');
  await member(alice, 'Carol 小红');
  await bob.locator('#messages .system', { hasText: 'Carol 小红 joined' }).waitFor(WAIT);

  await send(bob, '你好 Carol, over SSE 👋');
  await message(carol, '你好 Carol, over SSE 👋');
  await message(alice, '你好 Carol, over SSE 👋');
  await send(carol, 'Hi Bob, over long-polling 🍜');
  await message(bob, 'Hi Bob, over long-polling 🍜');
  await send(alice, 'and me over http-stream');
  await message(bob, 'and me over http-stream');
  await message(carol, 'and me over http-stream');

  await bob.screenshot({ path: join(ARTIFACTS, 'web-fallback-sse.png') });
  await carol.screenshot({ path: join(ARTIFACTS, 'web-fallback-long-polling.png') });
  await alice.screenshot({ path: join(ARTIFACTS, 'web-fallback-http-stream.png') });
  assert.equal(proxy.upgradesRefused >= 1, true);
});
