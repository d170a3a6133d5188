// The demo pages in Chromium against a real server: two people chat (Chinese and emoji,
// presence both ways, history for a late arrival), the live data page moves, the status
// page counts the connections. Each page leaves a screenshot in test-artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { PAGE_HELPERS, chromiumSkipReason, launchChromium } from '../support/chromium.js';
import { ARTIFACTS, startDemoServer, type DemoServer } from './demo-server.js';

const skip = chromiumSkipReason();
if (skip) console.log(`# skipping the demo pages in Chromium: ${skip}`);

const ROOM = 'browser-test';
const ALICE = 'Alice 小红';
const BOB = 'Bob 🐳';
const FROM_ALICE = '你好，Bob！今天一起吃饭吗？🎉👋';
const FROM_BOB = '好的 👍 七点见 🍜';

let demo: DemoServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

before(async () => {
  if (skip) return;
  demo = await startDemoServer();
  browser = await launchChromium();
});

after(async () => {
  if (skip) return;
  for (const context of contexts) await context.close().catch(() => {});
  await browser?.close();
  await demo?.stop();
});

/** A page in its own browser context: its own storage, like another person's browser. */
async function openPage(path: string, viewport = { width: 1100, height: 720 }): Promise<Page> {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  contexts.push(context);
  const page = await context.newPage();
  await page.addInitScript(PAGE_HELPERS);
  page.on('pageerror', (error) => console.log(`# page error on ${path}: ${error.message}`));
  await page.goto(`${demo.base}${path}`);
  return page;
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `web-${name}.png`), fullPage: true });
}

async function joinChat(page: Page, name: string): Promise<void> {
  await page.fill('#name', name);
  await page.fill('#room', ROOM);
  await page.click('#join button');
  await page.waitForSelector('body[data-view="room"]');
}

async function send(page: Page, text: string): Promise<void> {
  await page.fill('#text', text);
  await page.press('#text', 'Enter');
}

const member = (page: Page, name: string) => page.locator('#members .member', { hasText: name }).waitFor();
const message = (page: Page, text: string) => page.locator('#messages .message .text', { hasText: text }).waitFor();

let alice: Page;
let bob: Page;

test('the pages are built small', { skip }, () => {
  for (const file of demo.files) console.log(`# dist/web/${file.path}: ${file.bytes} bytes, ${file.gzipBytes} gzipped`);
  const scripts = demo.files.filter((f) => f.path.endsWith('.js') && f.path !== 'docs.js'); // the Docs page's editor and Yjs: budget in test/yjs
  const gzipTotal = scripts.reduce((sum, f) => sum + f.gzipBytes, 0);
  console.log(`# all page scripts together: ${gzipTotal} bytes gzipped`);
  // uPlot, the charting library of the status, live data and devices pages, is about 24 KB of it.
  assert.ok(gzipTotal < 45_000, `page scripts are ${gzipTotal} bytes gzipped`);
});

test('the index links the six pages', { skip }, async () => {
  const page = await openPage('/');
  const links = await page.locator('.cards a').evaluateAll((anchors) => anchors.map((a) => a.getAttribute('href')));
  assert.deepEqual(links, ['chat.html', 'live.html', 'docs.html', 'game.html', 'devices.html', 'status.html']);
  await screenshot(page, 'index');
});

test('two people chat in one room: messages with Chinese and emoji, presence both ways', { skip }, async () => {
  alice = await openPage(`/chat.html?room=${ROOM}`);
  await screenshot(alice, 'chat-join');
  await joinChat(alice, ALICE);
  bob = await openPage(`/chat.html?room=${ROOM}`);
  await joinChat(bob, BOB);

  await member(alice, BOB);
  await member(bob, ALICE);
  await alice.locator('#messages .system', { hasText: `${BOB} joined` }).waitFor();

  await send(alice, FROM_ALICE);
  await message(bob, FROM_ALICE);
  await send(bob, FROM_BOB);
  await message(alice, FROM_BOB);

  const seenByBob = await bob.locator('#messages .message').allTextContents();
  assert.ok(seenByBob.some((text) => text.includes(ALICE) && text.includes(FROM_ALICE)), `Bob saw ${JSON.stringify(seenByBob)}`);
  const seenByAlice = await alice.locator('#messages .message').allTextContents();
  assert.ok(seenByAlice.some((text) => text.includes(BOB) && text.includes(FROM_BOB)), `Alice saw ${JSON.stringify(seenByAlice)}`);
  assert.equal(await alice.textContent('#member-count'), '2');
  await screenshot(alice, 'chat-alice');
  await screenshot(bob, 'chat-bob');
  await bob.emulateMedia({ colorScheme: 'dark' });
  await screenshot(bob, 'chat-bob-dark');
});

test('a late arrival on a phone-sized screen gets the recent history and is seen by both', { skip }, async () => {
  const carol = await openPage(`/chat.html?room=${ROOM}`, { width: 390, height: 760 });
  await joinChat(carol, 'Carol');
  await message(carol, FROM_ALICE);
  await message(carol, FROM_BOB);
  await member(carol, ALICE);
  await member(carol, BOB);
  await member(alice, 'Carol');
  await member(bob, 'Carol');
  await screenshot(carol, 'chat-phone');
});

test('the live data page updates: prices change and the chart is drawn', { skip }, async () => {
  const page = await openPage('/live.html');
  await page.waitForFunction(() => document.querySelectorAll('#prices tr').length === 5);
  const first = await page.locator('#prices .price').allTextContents();
  // Any price differing from its first reading means live ticks are arriving.
  await page.waitForFunction(
    (before) => [...document.querySelectorAll('#prices .price')].some((cell, i) => cell.textContent !== before[i]),
    first,
  );
  await page.waitForFunction(() => Number((document.getElementById('tick-count')?.textContent ?? '0').replace(/\D/g, '')) > 20);
  const inked = await page.evaluate(() => {
    const canvas = document.querySelector<HTMLCanvasElement>('#chart canvas')!;
    const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let count = 0;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) count++;
    return count;
  });
  assert.ok(inked > 1_000, `the chart has ${inked} drawn pixels`);
  await screenshot(page, 'live');
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.click('#prices tr[data-symbol="NOVA"]');
  await page.waitForFunction(() => document.getElementById('chart-symbol')?.textContent === 'NOVA');
  await screenshot(page, 'live-dark');
});

test('the status page shows the connections, channels and message rate', { skip }, async () => {
  const page = await openPage('/status.html');
  // Alice, Bob, Carol and the live page are still connected.
  await page.waitForFunction(() => Number(document.getElementById('connections')?.textContent) >= 4);
  await page.waitForFunction(() => Number(document.getElementById('channels')?.textContent) >= 2);
  await page.waitForFunction(() => parseFloat(document.getElementById('rate')?.textContent ?? '0') > 0);
  const connections = Number(await page.textContent('#connections'));
  assert.ok(connections > 0);
  // The charts start from the server's recent samples: wait for a few seconds of them.
  await page.waitForFunction(() => Number((document.getElementById('uptime')?.textContent ?? '').replace(/\D/g, '')) >= 5);
  await screenshot(page, 'status');
});
