// The browser bundle in Chromium against a real server: the same scenario as in Node,
// and the immediate retry on the browser's `online` event.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { buildClientBundle } from '../../scripts/build-client-bundle.js';
import { PAGE_HELPERS, chromiumSkipReason, launchChromium } from '../support/chromium.js';
import { clientScenario, checkReport, type ScenarioReport } from './scenario.js';
import { mintToken, startServer, type TestServer } from './helpers.js';

const skip = chromiumSkipReason();
if (skip) console.log(`# skipping the client in Chromium: ${skip}`);

let t: TestServer;
let pages: http.Server;
let browser: Browser;
let page: Page;
let bundleGzipBytes = 0;

before(async () => {
  if (skip) return;
  t = await startServer();
  const bundle = await buildClientBundle();
  bundleGzipBytes = bundle.gzipBytes;
  // A tiny static server: the bundle at the URL the Volley server will use, and a page.
  pages = http.createServer((req, res) => {
    if (req.url === '/volley-client.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle.code);
    else res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>volley client</title>');
  });
  pages.listen(0, '127.0.0.1');
  await once(pages, 'listening');
  browser = await launchChromium();
  page = await browser.newPage();
  await page.addInitScript(PAGE_HELPERS);
  await page.exposeFunction('mintToken', (user: string, ttlSec: number) => mintToken(user, ttlSec));
  await page.goto(`http://127.0.0.1:${(pages.address() as AddressInfo).port}/`);
});

after(async () => {
  if (skip) return;
  await browser?.close();
  pages?.close();
  await t?.server.close();
});

test('the bundle is small', { skip }, () => {
  console.log(`# dist/client/volley-client.min.js: ${bundleGzipBytes} bytes gzipped`);
  assert.ok(bundleGzipBytes < 12_000);
});

test('Chromium: connect, subscribe, publish, presence, history, rpc, token refresh', { skip }, async () => {
  const report = await page.evaluate(async ([source, url]) => {
    const lib = await import('/volley-client.js' as string);
    const scenario = (0, eval)(`(${source})`) as typeof clientScenario;
    const mint = (globalThis as unknown as { mintToken(user: string, ttl: number): Promise<string> }).mintToken;
    return scenario(lib, { url, token: (user, ttl) => mint(user, ttl) });
  }, [clientScenario.toString(), t.url] as const);
  checkReport(report as ScenarioReport, assert);
});

test('Chromium: the `online` event ends the backoff wait at once', { skip }, async () => {
  const attempts = await page.evaluate(async (url) => {
    const lib = await import('/volley-client.js' as string);
    let count = 0;
    class CountingWebSocket extends WebSocket {
      constructor(address: string | URL, protocols?: string | string[]) {
        super(address, protocols);
        count += 1;
      }
    }
    // Nothing listens there; the backoff ceiling is a minute, so only `online` can make
    // the second attempt come soon (or, rarely, a jittered delay close to 0).
    const client = new lib.Client(url, { WebSocket: CountingWebSocket, transports: ['websocket'], minReconnectDelayMs: 60_000, maxReconnectDelayMs: 60_000 });
    client.connect();
    const waitFor = async (check: () => boolean) => {
      const deadline = Date.now() + 5_000;
      while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    };
    let failed = 0;
    client.on('error', () => (failed += 1));
    await waitFor(() => failed >= 1);
    window.dispatchEvent(new Event('online'));
    await waitFor(() => count >= 2);
    client.disconnect();
    return count;
  }, 'ws://127.0.0.1:9/connection/websocket');
  assert.ok(attempts >= 2, `attempts: ${attempts}`);
});
