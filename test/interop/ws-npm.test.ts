// Interop with the npm `ws` library, both directions: our client against a `ws` server,
// and the `ws` client against our server.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import * as npmWs from 'ws';
import { WebSocket } from '../../src/ws/websocket.js';
import { WebSocketServer } from '../../src/ws/server.js';

const SIZES = [0, 125, 126, 65535, 65536, 16 * 1024 * 1024];
const TEXT = '你好，世界 🌏🚀 WebSocket';

function patterned(size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i += 997) b[i] = i & 0xff;
  return b;
}

/** Collects messages as [Buffer, isBinary]; works with either library's 'message' event. */
function inbox(socket: { on(e: 'message', f: (d: any, b: boolean) => void): unknown }) {
  const queue: Array<[Buffer, boolean]> = [];
  const waiters: Array<() => void> = [];
  socket.on('message', (d: any, b: boolean) => {
    queue.push([Buffer.from(d), b]);
    waiters.shift()?.();
  });
  return async (): Promise<[Buffer, boolean]> => {
    while (queue.length === 0) await new Promise<void>((r) => waiters.push(r));
    return queue.shift()!;
  };
}

/** Either library's client, as far as the round trips below use it. */
interface Sender {
  send(data: string | Buffer, options?: { fin?: boolean }): void;
}

/**
 * Through an echoing peer: Chinese and emoji text, binary at every size of SIZES, and a text
 * message sent in three fragments, each coming back whole and unchanged.
 */
async function assertEchoRoundTrips(client: Sender, next: () => Promise<[Buffer, boolean]>): Promise<void> {
  client.send(TEXT);
  assert.deepEqual(await next(), [Buffer.from(TEXT), false]);
  for (const size of SIZES) {
    const payload = patterned(size);
    client.send(payload);
    const [data, binary] = await next();
    assert.equal(binary, true);
    assert.ok(data.equals(payload), `size ${size}`);
  }
  client.send('你好', { fin: false });
  client.send('，世界', { fin: false });
  client.send(' 🌏', { fin: true });
  assert.deepEqual(await next(), [Buffer.from('你好，世界 🌏'), false]);
}

describe('our client ↔ npm ws server', () => {
  test('text, binary, sizes, fragments, ping/pong, close code and reason', async () => {
    const server = new npmWs.WebSocketServer({ port: 0, host: '127.0.0.1', maxPayload: 64 * 1024 * 1024 });
    await once(server, 'listening');
    const serverSide = once(server, 'connection');
    const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    await once(client, 'open');
    const [peer] = (await serverSide) as [npmWs.WebSocket];
    peer.on('message', (d, b) => peer.send(d, { binary: b }));
    const next = inbox(client);

    // Fragmented too: ours to ws (ws reassembles and echoes whole), and below ws's fragments to us.
    await assertEchoRoundTrips(client, next);
    peer.send(Buffer.from('frag'), { fin: false, binary: true });
    peer.send(Buffer.from('mented'), { fin: true, binary: true });
    assert.deepEqual(await next(), [Buffer.from('fragmented'), true]);

    const pong = once(client, 'pong');
    client.ping('ours');
    assert.equal(((await pong)[0] as Buffer).toString(), 'ours');
    const ping = once(client, 'ping');
    const pongAtPeer = once(peer, 'pong');
    peer.ping('theirs');
    assert.equal(((await ping)[0] as Buffer).toString(), 'theirs');
    assert.equal(((await pongAtPeer)[0] as Buffer).toString(), 'theirs');

    const peerClosed = once(peer, 'close');
    const clientClosed = once(client, 'close');
    client.close(4000, '再见 👋');
    const [code, reason] = await peerClosed;
    assert.equal(code, 4000);
    assert.equal(reason.toString(), '再见 👋');
    const [cCode, cReason] = await clientClosed;
    assert.equal(cCode, 4000);
    assert.equal((cReason as Buffer).toString(), '再见 👋');
    server.close();
  });

  test('the ws server closing with a code and reason', async () => {
    const server = new npmWs.WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(server, 'listening');
    server.on('connection', (peer) => peer.close(1008, 'policy ✋'));
    const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const event = await new Promise<any>((r) => (client.onclose = r));
    assert.equal(event.code, 1008);
    assert.equal(event.reason, 'policy ✋');
    assert.equal(event.wasClean, true);
    server.close();
  });
});

describe('npm ws client ↔ our server', () => {
  test('text, binary, sizes, fragments, ping/pong, close code and reason', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(wss, 'listening');
    const serverSide = once(wss, 'connection');
    const client = new npmWs.WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, { maxPayload: 64 * 1024 * 1024 });
    await once(client, 'open');
    const [peer] = (await serverSide) as [WebSocket];
    peer.on('message', (d: Buffer, b: boolean) => peer.send(d, { binary: b }));
    const next = inbox(client);

    await assertEchoRoundTrips(client, next);
    peer.send(Buffer.from('frag'), { fin: false });
    peer.send(Buffer.from('mented'));
    assert.deepEqual(await next(), [Buffer.from('fragmented'), true]);

    const pong = once(client, 'pong');
    client.ping('theirs');
    assert.equal(((await pong)[0] as Buffer).toString(), 'theirs');
    const ping = once(client, 'ping');
    peer.ping('ours');
    assert.equal(((await ping)[0] as Buffer).toString(), 'ours');

    const peerClosed = once(peer, 'close');
    const clientClosed = once(client, 'close');
    client.close(4000, '再见 👋');
    const [code, reason] = await peerClosed;
    assert.equal(code, 4000);
    assert.equal((reason as Buffer).toString(), '再见 👋');
    assert.equal((await clientClosed)[0], 4000);
    await new Promise((r) => wss.close(r));
  });

  test('our server closing with 1001 on shutdown', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(wss, 'listening');
    const client = new npmWs.WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
    await once(client, 'open');
    const closed = once(client, 'close');
    wss.close();
    const [code, reason] = await closed;
    assert.equal(code, 1001);
    assert.equal(reason.toString(), 'Server shutting down');
  });
});
