import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as net from 'node:net';
import { WebSocket } from '../../src/ws/websocket.js';
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

test('a connection that sends nothing at all is dropped after handshakeTimeout too', async () => {
  const { wss, port } = await startServer({ handshakeTimeout: 300 });
  // Dropped by the idle timeout (nothing said) or by the header check (408), whichever runs first.
  assert.match(await stall(port, ''), /^HTTP\/1\.1 408|^$/);
  await new Promise((r) => wss.close(r));
});

test('an upgraded connection is not subject to the handshake timeout', async () => {
  const { wss, url } = await startServer({ handshakeTimeout: 200 });
  const serverSide = once(wss, 'connection');
  const client = new WebSocket(url);
  await once(client, 'open');
  const [ws] = (await serverSide) as [WebSocket];
  // Quiet for several handshake timeouts, then still usable both ways.
  for (let i = 0; i < 4; i++) await new Promise((r) => setTimeout(r, 200));
  const echoed = once(ws, 'message');
  client.send('still here');
  assert.equal(((await echoed)[0] as Buffer).toString(), 'still here');
  assert.equal(client.readyState, WebSocket.OPEN);
  client.close();
  await once(client, 'close');
  await new Promise((r) => wss.close(r));
});
