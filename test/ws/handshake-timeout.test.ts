import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as net from 'node:net';
import { startServer } from './helpers.js';

/** Opens a raw socket, writes `bytes` and never more; resolves with what it read once the server dropped it. */
async function stall(port: number, bytes: string): Promise<string> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const chunks: Buffer[] = [];
  socket.on('data', (c) => chunks.push(c));
  socket.on('error', () => {});
  if (bytes) socket.write(bytes);
  await new Promise((r) => socket.once('close', r));
  return Buffer.concat(chunks).toString();
}

test('an incomplete upgrade request is dropped after handshakeTimeout (a slowloris holds nothing)', async () => {
  const { wss, port } = await startServer({ handshakeTimeout: 300 });
  const answer = await stall(port, 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n');
  assert.match(answer, /^HTTP\/1\.1 408|^$/);
  await new Promise((r) => wss.close(r));
});
