import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocket } from '../../src/ws/websocket.js';
import { WebSocketServer } from '../../src/ws/server.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { closed, nextMessages } from './helpers.js';

// A self-signed certificate for localhost / 127.0.0.1, made for these tests only.
const cert = readFileSync(new URL('../fixtures/localhost-cert.pem', import.meta.url));
const key = readFileSync(new URL('../fixtures/localhost-key.pem', import.meta.url));

async function tlsServer() {
  const server = https.createServer({ cert, key });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => ws.on('message', (d, b) => ws.send(d, { binary: b })));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, wss, url: `wss://127.0.0.1:${(server.address() as AddressInfo).port}/secure` };
}

test('wss:// with the server certificate trusted through `ca`', async () => {
  const { server, wss, url } = await tlsServer();
  const client = new WebSocket(url, [], { ca: cert });
  await once(client, 'open');
  const echo = nextMessages(client);
  client.send('加密 🔐');
  assert.equal((await echo)[0][0].toString(), '加密 🔐');
  client.close();
  await closed(client);
  await new Promise((r) => wss.close(r));
  server.close();
});

test('wss:// verifies certificates by default: an untrusted one is an error, then 1006', async () => {
  const { server, wss, url } = await tlsServer();
  const client = new WebSocket(url);
  let error: any;
  client.on('error', (e) => (error = e));
  assert.equal((await closed(client))[0], 1006);
  assert.equal(error.code, ErrorCode.ConnectionFailed);
  const lax = new WebSocket(url, [], { rejectUnauthorized: false });
  await once(lax, 'open');
  lax.close();
  await closed(lax);
  await new Promise((r) => wss.close(r));
  server.close();
});
