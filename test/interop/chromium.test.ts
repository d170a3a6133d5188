// Chromium's own WebSocket against our server.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { WebSocketServer } from '../../src/ws/server.js';
import type { WebSocket as VolleySocket } from '../../src/ws/websocket.js';
import { PAGE_HELPERS, chromiumSkipReason, launchChromium } from '../support/chromium.js';

const skip = chromiumSkipReason();
if (skip) console.log(`# skipping Chromium interop: ${skip}`);

let browser: Browser;
let page: Page;
let server: http.Server;
let wss: WebSocketServer;
let base: string;
const serverEvents: string[] = [];

before(async () => {
  if (skip) return;
  server = http.createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>volley</title>'));
  wss = new WebSocketServer({ server, maxPayload: 64 * 1024 * 1024 });
  wss.on('connection', (ws: VolleySocket, req) => {
    if (req.url === '/fragments') {
      ws.send('你好', { fin: false });
      ws.send('，世界 🌏');
      ws.send(Buffer.from([1, 2]), { fin: false });
      ws.send(Buffer.from([3]));
      return;
    }
    if (req.url === '/ping') {
      ws.on('pong', (d: Buffer) => {
        serverEvents.push(`pong:${d.toString()}`);
        ws.send('got pong');
      });
      ws.ping('心跳');
      return;
    }
    if (req.url === '/server-close') {
      ws.close(4321, '服务器关闭 🔒');
      return;
    }
    ws.on('close', (code: number, reason: Buffer) => serverEvents.push(`close:${code}:${reason.toString()}`));
    ws.on('message', (data: Buffer, isBinary: boolean) => ws.send(data, { binary: isBinary }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium();
  page = await browser.newPage();
  await page.addInitScript(PAGE_HELPERS);
  await page.goto(`http://${base}/`);
});

after(async () => {
  if (skip) return;
  await browser?.close();
  await new Promise((r) => wss.close(r));
  server.close();
});

test('Chromium: text with Chinese and emoji, binary at every size, close code and reason', { skip }, async () => {
  const result = await page.evaluate(async (url) => {
    const ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    const inbox: any[] = [];
    let wake: (() => void) | null = null;
    ws.onmessage = (e) => {
      inbox.push(e.data);
      wake?.();
    };
    const next = async () => {
      while (inbox.length === 0) await new Promise<void>((r) => (wake = r));
      return inbox.shift();
    };
    await new Promise((r) => (ws.onopen = r));
    const out: any = { protocol: ws.protocol, extensions: ws.extensions };
    ws.send('你好，世界 🌏🚀');
    out.text = await next();
    out.sizes = [];
    for (const size of [0, 125, 126, 65535, 65536, 16 * 1024 * 1024]) {
      const bytes = new Uint8Array(size);
      for (let i = 0; i < size; i += 997) bytes[i] = i & 0xff;
      ws.send(bytes);
      const back = new Uint8Array(await next());
      let same = back.length === size;
      for (let i = 0; same && i < size; i += 997) same = back[i] === (i & 0xff);
      out.sizes.push([size, same]);
    }
    const closed = new Promise<any>((r) => (ws.onclose = (e) => r({ code: e.code, reason: e.reason, wasClean: e.wasClean })));
    ws.close(4000, '再见 👋');
    out.close = await closed;
    return out;
  }, `ws://${base}/echo`);
  assert.equal(result.text, '你好，世界 🌏🚀');
  assert.deepEqual(result.sizes, [[0, true], [125, true], [126, true], [65535, true], [65536, true], [16777216, true]]);
  assert.deepEqual(result.close, { code: 4000, reason: '再见 👋', wasClean: true });
  await new Promise((r) => setTimeout(r, 50));
  assert.ok(serverEvents.includes('close:4000:再见 👋'), serverEvents.join());
});

test('Chromium: fragmented messages from the server are reassembled', { skip }, async () => {
  const got = await page.evaluate(async (url) => {
    const ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    const msgs: any[] = [];
    await new Promise<void>((r) => (ws.onmessage = (e) => {
      msgs.push(typeof e.data === 'string' ? e.data : Array.from(new Uint8Array(e.data)));
      if (msgs.length === 2) r();
    }));
    ws.close();
    return msgs;
  }, `ws://${base}/fragments`);
  assert.deepEqual(got, ['你好，世界 🌏', [1, 2, 3]]);
});

test('Chromium answers our ping with a pong carrying its payload', { skip }, async () => {
  const got = await page.evaluate(async (url) => {
    const ws = new WebSocket(url);
    const m = await new Promise<string>((r) => (ws.onmessage = (e) => r(e.data)));
    ws.close();
    return m;
  }, `ws://${base}/ping`);
  assert.equal(got, 'got pong');
  assert.ok(serverEvents.includes('pong:心跳'));
});

test('Chromium sees the server close with a code and reason', { skip }, async () => {
  const got = await page.evaluate(async (url) => {
    const ws = new WebSocket(url);
    return new Promise<any>((r) => (ws.onclose = (e) => r({ code: e.code, reason: e.reason, wasClean: e.wasClean })));
  }, `ws://${base}/server-close`);
  assert.deepEqual(got, { code: 4321, reason: '服务器关闭 🔒', wasClean: true });
});

test('Chromium: a refused handshake fails with close 1006', { skip }, async () => {
  const got = await page.evaluate(async (url) => {
    const ws = new WebSocket(url, ['only-this']);
    const events: string[] = [];
    ws.onerror = () => events.push('error');
    return new Promise<any>((r) => (ws.onclose = (e) => r({ events, code: e.code })));
  }, `ws://${base.replace(/:\d+$/, ':1')}/`);
  assert.deepEqual(got, { events: ['error'], code: 1006 });
});

for (const serverNoContextTakeover of [false, true]) {
  test(`Chromium with permessage-deflate agreed (server_no_context_takeover: ${serverNoContextTakeover})`, { skip }, async () => {
    const compressed = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: { serverNoContextTakeover } });
    await once(compressed, 'listening');
    let serverExtensions = '';
    compressed.on('connection', (ws: VolleySocket) => {
      serverExtensions = ws.extensions;
      ws.on('message', (data: Buffer, isBinary: boolean) => ws.send(data, { binary: isBinary }));
    });
    const port = (compressed.address() as AddressInfo).port;
    const result = await page.evaluate(async (url) => {
      const ws = new WebSocket(url);
      await new Promise((r) => (ws.onopen = r));
      const text = '你好，世界 🌏 '.repeat(500);
      const back: string[] = [];
      const done = new Promise<void>((r) => (ws.onmessage = (e) => back.push(e.data) === 3 && r()));
      for (let i = 0; i < 3; i++) ws.send(`${i}:${text}`);
      await done;
      ws.close();
      return { extensions: ws.extensions, ok: back.every((m, i) => m === `${i}:${text}`) };
    }, `ws://127.0.0.1:${port}/`);
    assert.match(result.extensions, /^permessage-deflate/);
    assert.equal(/server_no_context_takeover/.test(serverExtensions), serverNoContextTakeover, serverExtensions);
    assert.equal(result.ok, true);
    await new Promise((r) => compressed.close(r));
  });
}
