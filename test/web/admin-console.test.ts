// The admin console in Chromium against the demo server: a wrong password is refused, the
// connections table grows as a second browser joins the chat demo, a publication from the
// console appears on the chat page, and a disconnect with a code from the console reaches
// that browser as its close code. Screenshots (desktop and phone size) go to test-artifacts/.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildAdmin, buildWeb } from '../../scripts/build-web.js';
import { demoServerOptions, startDemo, type Demo } from '../../src/demo/index.js';
import { createServer, type VolleyServer } from '../../src/server/server.js';
import { PAGE_HELPERS, chromiumSkipReason, launchChromium } from '../support/chromium.js';
import { ARTIFACTS } from './demo-server.js';

const skip = chromiumSkipReason();
if (skip) console.log(`# skipping the admin console in Chromium: ${skip}`);
const WAIT = { timeout: 60_000 };
const PASSWORD = 'correct horse battery staple';
const ROOM = 'ops-room';
const CLOSE_CODE = 4321;

/** Records every WebSocket close code the page sees, in window.__closeCodes. */
const RECORD_CLOSES = `
  window.__closeCodes = [];
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('close', (event) => window.__closeCodes.push(event.code));
    }
  };
`;

describe('the admin console in Chromium', { skip }, () => {
  let web: string;
  let server: VolleyServer;
  let demo: Demo;
  let base = '';
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  before(async () => {
    web = await mkdtemp(join(tmpdir(), 'volley-admin-web-'));
    await buildWeb(web);
    const files = await buildAdmin();
    for (const file of files) console.log(`# dist/admin/${file.path}: ${file.bytes} bytes, ${file.gzipBytes} gzipped`);
    await mkdir(ARTIFACTS, { recursive: true });
    server = createServer({
      ...demoServerOptions(), port: 0, host: '127.0.0.1', staticDir: web, nodeId: 'console-test', nodeStatsIntervalMs: 500,
      admin: { password: PASSWORD },
    });
    const { port } = await server.listen();
    demo = startDemo(server, { docs: false, game: false });
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

  const open = async (path: string, viewport = { width: 1280, height: 900 }, init?: string): Promise<Page> => {
    const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
    contexts.push(context);
    const page = await context.newPage();
    await page.addInitScript(PAGE_HELPERS);
    if (init !== undefined) await page.addInitScript(init);
    page.on('pageerror', (error) => console.log(`# page error on ${path}: ${error.message}`));
    await page.goto(`${base}${path}`);
    return page;
  };
  const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `admin-${name}.png`), fullPage: true });
  const logIn = async (page: Page, password: string) => {
    await page.locator('#password').waitFor(WAIT);
    await page.fill('#password', password);
    await page.click('#login button[type="submit"]');
  };
  /** The table row of the connection subscribed to the test room. */
  const roomRow = (page: Page) => page.locator('#connections-rows tr', { has: page.locator('td.channels', { hasText: `chat:${ROOM}` }) });

  let consolePage: Page;
  let chat: Page;

  it('refuses a wrong password and lets the right one in', async () => {
    consolePage = await open('/admin');
    await logIn(consolePage, 'not the password');
    await consolePage.locator('#login-error', { hasText: 'Wrong password' }).waitFor(WAIT);
    assert.equal(await consolePage.locator('body').getAttribute('data-view'), 'login');
    await shot(consolePage, 'login-refused');
    await logIn(consolePage, PASSWORD);
    await consolePage.locator('body[data-view="console"]').waitFor(WAIT);
    await consolePage.locator('#nodes-rows tr[data-node="console-test"]').waitFor(WAIT);
  });

  it('shows the chat browser in the connections table as it connects', async () => {
    const before = await consolePage.locator('#connections-rows tr[data-client]').count();
    chat = await open(`/chat.html?room=${ROOM}`, { width: 1000, height: 700 }, RECORD_CLOSES);
    await chat.fill('#name', 'Zoë 🛠');
    await chat.click('#join button');
    await chat.waitForSelector('body[data-view="room"]');
    await roomRow(consolePage).waitFor(WAIT);
    assert.ok((await consolePage.locator('#connections-rows tr[data-client]').count()) > before);
    const row = roomRow(consolePage);
    assert.equal(await row.locator('td').nth(2).textContent(), 'websocket');
    assert.match((await row.locator('td').nth(3).textContent()) ?? '', /127\.0\.0\.1/);
    await consolePage.locator(`#channels-rows tr[data-channel="chat:${ROOM}"]`).waitFor(WAIT);
  });

  it('publishes from the console into the chat room, and the chat page shows it', async () => {
    await consolePage.click(`#channels-rows tr[data-channel="chat:${ROOM}"]`);
    await consolePage.locator('#channel-title', { hasText: `chat:${ROOM}` }).waitFor(WAIT);
    const text = 'Maintenance at 18:00 · 维护通知 🔧';
    await consolePage.fill('#publish-data', JSON.stringify({ name: 'Operator', text, sentAt: Date.now() }));
    await consolePage.click('#publish button[type="submit"]');
    await consolePage.locator('#publish-result.ok').waitFor(WAIT);
    await chat.locator('#messages .message .text', { hasText: text }).waitFor(WAIT);
    await consolePage.locator('#history-list code', { hasText: 'Maintenance' }).waitFor(WAIT);
    await shot(chat, 'chat-got-publication');
    await shot(consolePage, 'desktop');
    await consolePage.emulateMedia({ colorScheme: 'dark' });
    await shot(consolePage, 'desktop-dark');
    await consolePage.emulateMedia({ colorScheme: 'light' });
  });

  it('disconnects the chat browser with a code, and that browser sees the code', async () => {
    const row = roomRow(consolePage);
    await row.locator('button.disconnect').click();
    await consolePage.locator('#disconnect-dialog[open]').waitFor(WAIT);
    await consolePage.fill('#disconnect-code', String(CLOSE_CODE));
    await consolePage.fill('#disconnect-reason', 'moved to another room');
    await shot(consolePage, 'disconnect-dialog');
    await consolePage.click('#disconnect-confirm');
    await chat.waitForFunction((code) => (window as unknown as { __closeCodes: number[] }).__closeCodes.includes(code), CLOSE_CODE, WAIT);
    await consolePage.locator('#disconnect-dialog:not([open])').waitFor({ state: 'attached', ...WAIT });
  });

  it('is usable on a phone-sized screen', async () => {
    const phone = await open('/admin/', { width: 390, height: 844 });
    // The same browser context as no other: it logs in on its own.
    await logIn(phone, PASSWORD);
    await phone.locator('body[data-view="console"]').waitFor(WAIT);
    await phone.locator('#nodes-rows tr[data-node="console-test"]').waitFor(WAIT);
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `the page is ${overflow} px wider than the screen`);
    await phone.screenshot({ path: join(ARTIFACTS, 'admin-phone.png') });
    await shot(phone, 'phone-full');
  });
});
