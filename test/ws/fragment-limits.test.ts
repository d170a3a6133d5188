import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { WebSocket } from '../../src/ws/websocket.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { DEFAULT_MAX_FRAGMENTS } from '../../src/ws/defaults.js';
import { closed, startServer } from './helpers.js';
import { clientFrame, firstCloseCode, rawClient, rawServer, repeated, rssBaseline, rssGrowthMiB, serverFrame } from './raw-peers.js';

// A message that never ends: FIN=0, then continuation after continuation.
const FLOOD = 100_000;
const RSS_BOUND_MIB = 48;

test('server: 100k empty continuations of a message that never ends close the peer with 1009, memory flat', async (t) => {
  const { wss, port } = await startServer();
  const serverSide = once(wss, 'connection');
  const peer = await rawClient(port);
  const [ws] = (await serverSide) as [WebSocket];
  let error: any;
  ws.on('error', (e) => (error = e));
  const rss = rssBaseline();
  peer.socket.write(clientFrame(0x1, 'a', false));
  peer.socket.write(repeated(clientFrame(0x0, '', false), FLOOD));
  const [code] = await closed(ws);
  await peer.closed;
  const growth = rssGrowthMiB(rss);
  t.diagnostic(`RSS grew by ${growth.toFixed(1)} MiB`);
  assert.equal(code, 1009);
  assert.equal(error.code, ErrorCode.TooManyFragments);
  assert.equal(firstCloseCode(peer.received()), 1009);
  assert.ok(growth < RSS_BOUND_MIB, `RSS grew by ${growth.toFixed(1)} MiB`);
  await new Promise((r) => wss.close(r));
});

test('server: a compressed message that never ends is held to the same limit (1009)', async () => {
  const { wss, port } = await startServer({ perMessageDeflate: true, maxFragments: 1000 });
  const serverSide = once(wss, 'connection');
  const peer = await rawClient(port, { 'Sec-WebSocket-Extensions': 'permessage-deflate' });
  const [ws] = (await serverSide) as [WebSocket];
  assert.match(ws.extensions, /permessage-deflate/);
  let error: any;
  ws.on('error', (e) => (error = e));
  // RSV1 on the first frame: a compressed text message; its deflate data never ends either.
  const first = clientFrame(0x1, Buffer.from([0x4a, 0x04, 0x00]), false);
  first[0]! |= 0x40;
  peer.socket.write(first);
  peer.socket.write(repeated(clientFrame(0x0, '', false), 5000));
  const [code] = await closed(ws);
  assert.equal(code, 1009);
  assert.equal(error.code, ErrorCode.TooManyFragments);
  await new Promise((r) => wss.close(r));
});

test('server: with no fragment limit, 1-byte continuations cost their bytes, not an object each', async (t) => {
  const { wss, port } = await startServer({ maxFragments: 0 });
  const serverSide = once(wss, 'connection');
  const peer = await rawClient(port);
  // Closed whatever the outcome: a failed assertion must not leave the file waiting on them.
  t.after(async () => {
    peer.socket.destroy();
    await new Promise((r) => wss.close(r));
  });
  const [ws] = (await serverSide) as [WebSocket];
  const rss = rssBaseline();
  const count = 400_000;
  const message = once(ws, 'message');
  peer.socket.write(clientFrame(0x2, 'a', false));
  // 2.8 MB on the wire; kept as views or one object each it would be hundreds of MiB.
  peer.socket.write(repeated(clientFrame(0x0, 'b', false), count));
  peer.socket.write(clientFrame(0x0, 'c', true));
  const [data] = (await message) as [Buffer];
  const growth = rssGrowthMiB(rss);
  t.diagnostic(`RSS grew by ${growth.toFixed(1)} MiB for a ${count + 2}-fragment message`);
  assert.equal(data.length, count + 2);
  assert.equal(data.toString('latin1', 0, 3), 'abb');
  assert.equal(data.at(-1), 'c'.charCodeAt(0));
  assert.ok(growth < RSS_BOUND_MIB, `RSS grew by ${growth.toFixed(1)} MiB`);
});

test('server: maxFragments is an option; a message within it passes', async () => {
  const { wss, port } = await startServer({ maxFragments: 3 });
  const serverSide = once(wss, 'connection');
  const peer = await rawClient(port);
  const [ws] = (await serverSide) as [WebSocket];
  const message = once(ws, 'message');
  peer.socket.write(Buffer.concat([clientFrame(0x1, 'a', false), clientFrame(0x0, 'b', false), clientFrame(0x0, 'c', true)]));
  assert.equal(((await message)[0] as Buffer).toString(), 'abc');
  peer.socket.write(Buffer.concat([clientFrame(0x1, 'a', false), clientFrame(0x0, 'b', false), clientFrame(0x0, 'c', false), clientFrame(0x0, 'd', true)]));
  const [code] = await closed(ws);
  assert.equal(code, 1009);
  await new Promise((r) => wss.close(r));
});

test('client: a hostile server sending 100k empty continuations is closed with 1009, memory flat', async (t) => {
  let serverSocket: import('node:net').Socket | null = null;
  const server = await rawServer((socket) => {
    serverSocket = socket;
    socket.write(serverFrame(0x1, 'a', false));
    socket.write(repeated(serverFrame(0x0, '', false), FLOOD));
  });
  const rss = rssBaseline();
  const client = new WebSocket(server.url);
  let error: any;
  client.on('error', (e) => (error = e));
  const fromClient: Buffer[] = [];
  client.once('open', () => serverSocket!.on('data', (c: Buffer) => fromClient.push(c)));
  const [code] = await closed(client);
  const growth = rssGrowthMiB(rss);
  t.diagnostic(`RSS grew by ${growth.toFixed(1)} MiB`);
  assert.equal(code, 1009);
  assert.equal(error.code, ErrorCode.TooManyFragments);
  // The client's close frame is masked: its code sits after the 4-byte key, masked too.
  const closeFrame = Buffer.concat(fromClient);
  assert.equal(closeFrame[0], 0x88);
  const codeBytes = Buffer.from([closeFrame[6]! ^ closeFrame[2]!, closeFrame[7]! ^ closeFrame[3]!]);
  assert.equal(codeBytes.readUInt16BE(0), 1009);
  assert.ok(growth < RSS_BOUND_MIB, `RSS grew by ${growth.toFixed(1)} MiB`);
  await server.close();
});

test('client: maxFragments is a client option too', async () => {
  const server = await rawServer((socket) => {
    socket.write(Buffer.concat([serverFrame(0x2, 'a', false), serverFrame(0x0, 'b', false), serverFrame(0x0, 'c', true)]));
  });
  const client = new WebSocket(server.url, [], { maxFragments: 2 });
  client.on('error', () => {});
  const [code] = await closed(client);
  assert.equal(code, 1009);
  assert.equal(DEFAULT_MAX_FRAGMENTS, 16_384);
  await server.close();
});
