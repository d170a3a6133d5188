import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type * as net from 'node:net';
import { WebSocket } from '../../src/ws/websocket.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { DEFAULT_HIGH_WATER_MARK } from '../../src/ws/defaults.js';
import { closed, startServer } from './helpers.js';
import { clientFrame, rawClient, rawServer, repeated, rssBaseline, rssGrowthMiB, serverFrame } from './raw-peers.js';

const MiB = 1024 * 1024;
const BIG = clientFrame(0x2, Buffer.alloc(MiB, 7));

/** Writes `frame` again and again, never reading, until the socket closes or `limit` frames went out. */
function floodWithoutReading(socket: net.Socket, frame: Buffer, limit: number): Promise<number> {
  return new Promise((resolve) => {
    let sent = 0;
    const pump = () => {
      while (!socket.destroyed && sent < limit) {
        sent++;
        if (!socket.write(frame)) return void socket.once('drain', pump);
      }
      resolve(sent);
    };
    socket.once('close', () => resolve(sent));
    socket.pause(); // never read
    pump();
  });
}

function echo(ws: WebSocket): void {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
}

test('an echo to a peer that sends 1 MiB messages and never reads: reading pauses, memory stays bounded, drainTimeout fails it with 1008', async (t) => {
  const { wss, port } = await startServer({ drainTimeout: 1500 });
  const serverSide = once(wss, 'connection');
  const peer = await rawClient(port);
  const [ws] = (await serverSide) as [WebSocket];
  echo(ws);
  let error: any;
  ws.on('error', (e) => (error = e));
  let peak = 0;
  ws.on('message', () => (peak = Math.max(peak, ws.bufferedAmount)));
  const rss = rssBaseline();
  const sent = floodWithoutReading(peer.socket, BIG, 2000);
  const [code, reason] = await closed(ws);
  const growth = rssGrowthMiB(rss);
  t.diagnostic(`peer wrote ${await sent} MiB; server peak bufferedAmount ${(peak / MiB).toFixed(1)} MiB; RSS grew by ${growth.toFixed(1)} MiB`);
  assert.equal(code, 1008);
  assert.equal(reason, 'Peer does not read');
  assert.equal(error.code, ErrorCode.DrainTimeout);
  // The mark plus what one read can still complete (a message or two).
  assert.ok(peak <= DEFAULT_HIGH_WATER_MARK + 3 * MiB, `peak bufferedAmount ${peak}`);
  assert.ok(growth < 96, `RSS grew by ${growth.toFixed(1)} MiB`);
  await new Promise((r) => wss.close(r));
});

test('with reading paused the heartbeat sees no pong: a peer that never reads is dropped by it too', async () => {
  const { wss, port } = await startServer({ heartbeatInterval: 200, drainTimeout: 0 });
  const serverSide = once(wss, 'connection');
  const peer = await rawClient(port);
  const [ws] = (await serverSide) as [WebSocket];
  echo(ws);
  void floodWithoutReading(peer.socket, BIG, 2000);
  const [code] = await closed(ws);
  assert.equal(code, 1006); // terminated by the heartbeat
  await new Promise((r) => wss.close(r));
});

test('a peer that reads again is resumed: every echo arrives', async () => {
  const { wss, url } = await startServer({ highWaterMark: 64 * 1024 });
  wss.on('connection', echo);
  const client = new WebSocket(url);
  await once(client, 'open');
  const count = 64;
  let got = 0;
  const done = new Promise<void>((resolve) => client.on('message', () => ++got === count && resolve()));
  for (let i = 0; i < count; i++) client.send(Buffer.alloc(256 * 1024, i));
  await done;
  assert.equal(got, count);
  client.close();
  await closed(client);
  await new Promise((r) => wss.close(r));
});

test('maxBufferedAmount: a handler pushing to a peer that never reads is failed with 1008', async () => {
  const { wss, port } = await startServer({ maxBufferedAmount: 8 * MiB });
  const serverSide = once(wss, 'connection');
  const peer = await rawClient(port);
  peer.socket.pause();
  const [ws] = (await serverSide) as [WebSocket];
  let error: any;
  ws.on('error', (e) => (error = e));
  const chunk = Buffer.alloc(MiB);
  for (let i = 0; i < 64 && ws.readyState === WebSocket.OPEN; i++) ws.send(chunk);
  const [code] = await closed(ws);
  assert.equal(code, 1008);
  assert.equal(error.code, ErrorCode.BufferLimit);
  await new Promise((r) => wss.close(r));
});

test('ping flood from a peer that never reads: at most one pong waits, memory flat', async (t) => {
  const { wss, port } = await startServer();
  const serverSide = once(wss, 'connection');
  const peer = await rawClient(port);
  const [ws] = (await serverSide) as [WebSocket];
  let pings = 0;
  let peak = 0;
  ws.on('ping', () => {
    pings++;
    peak = Math.max(peak, ws.bufferedAmount);
  });
  const rss = rssBaseline();
  const count = 200_000;
  const ping = clientFrame(0x9, Buffer.alloc(125, 1));
  peer.socket.pause();
  const batch = repeated(ping, 10_000);
  for (let i = 0; i < count / 10_000; i++) if (!peer.socket.write(batch)) await once(peer.socket, 'drain');
  while (pings < count) await once(ws, 'ping');
  const growth = rssGrowthMiB(rss);
  t.diagnostic(`${pings} pings of 125 bytes; peak bufferedAmount ${peak} bytes; RSS grew by ${growth.toFixed(1)} MiB`);
  assert.ok(peak < 64 * 1024, `peak bufferedAmount ${peak}`);
  assert.ok(growth < 48, `RSS grew by ${growth.toFixed(1)} MiB`);
  assert.equal(ws.readyState, WebSocket.OPEN);
  peer.socket.destroy();
  await new Promise((r) => wss.close(r));
});

test('pongs count in bufferedAmount while they wait', async () => {
  const { wss, port } = await startServer({ highWaterMark: 0, maxBufferedAmount: 0 });
  const serverSide = once(wss, 'connection');
  const peer = await rawClient(port);
  peer.socket.pause();
  const [ws] = (await serverSide) as [WebSocket];
  // Fill the kernel's buffers so that nothing more is handed to it.
  const chunk = Buffer.alloc(MiB);
  while (ws.bufferedAmount < 2 * MiB) {
    ws.send(chunk);
    await new Promise((r) => setImmediate(r));
  }
  const before = ws.bufferedAmount;
  peer.socket.write(repeated(clientFrame(0x9, Buffer.alloc(100)), 3));
  await new Promise<void>((resolve) => {
    let n = 0;
    ws.on('ping', () => ++n === 3 && resolve());
  });
  assert.ok(ws.bufferedAmount >= before + 100, `${ws.bufferedAmount} vs ${before}`);
  peer.socket.destroy();
  await new Promise((r) => wss.close(r));
});

test('close() on a peer that does not read destroys the socket at once instead of waiting closeTimeout', async () => {
  const { wss, port } = await startServer({ closeTimeout: 600_000 });
  const serverSide = once(wss, 'connection');
  const peer = await rawClient(port);
  peer.socket.pause();
  const [ws] = (await serverSide) as [WebSocket];
  const chunk = Buffer.alloc(MiB);
  while (ws.bufferedAmount <= DEFAULT_HIGH_WATER_MARK) {
    ws.send(chunk);
    await new Promise((r) => setImmediate(r));
  }
  const wsClosed = closed(ws);
  ws.close(4002, 'slow consumer');
  assert.equal(ws.readyState, WebSocket.CLOSING);
  const [code] = await Promise.race([wsClosed, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('still open after 20 s')), 20_000).unref())]);
  assert.equal(code, 1006);
  peer.socket.destroy();
  await new Promise((r) => wss.close(r));
});

test('client: a hostile server that floods and never reads hits maxBufferedAmount (1008)', async () => {
  const server = await rawServer((socket) => void floodWithoutReading(socket, serverFrame(0x2, Buffer.alloc(MiB)), 2000));
  const client = new WebSocket(server.url, [], { maxBufferedAmount: 16 * MiB });
  client.on('message', (data) => client.send(data));
  let error: any;
  client.on('error', (e) => (error = e));
  const [code] = await closed(client);
  assert.equal(code, 1008);
  assert.equal(error.code, ErrorCode.BufferLimit);
  await server.close();
});

test('client: with highWaterMark set, reading pauses and drainTimeout fails a server that never reads (1008)', async () => {
  const server = await rawServer((socket) => void floodWithoutReading(socket, serverFrame(0x2, Buffer.alloc(MiB)), 2000));
  const client = new WebSocket(server.url, [], { highWaterMark: MiB, drainTimeout: 1500 });
  client.on('message', (data) => client.send(data));
  let error: any;
  client.on('error', (e) => (error = e));
  const [code] = await closed(client);
  assert.equal(code, 1008);
  assert.equal(error.code, ErrorCode.DrainTimeout);
  await server.close();
});
