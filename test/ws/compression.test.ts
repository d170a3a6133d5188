// permessage-deflate through the socket layer: negotiation, interop with npm ws in both
// directions (with and without context takeover), limits, and compress-once broadcast.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { deflateRawSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import * as npmWs from 'ws';
import { WebSocket } from '../../src/ws/websocket.js';
import { WebSocketServer } from '../../src/ws/server.js';
import { prepareMessage } from '../../src/ws/prepared-message.js';
import { encodeFrame } from '../../src/protocol/frame.js';
import { closed, nextMessages, rawExchange, recordingSocket, startServer, upgradeRequest } from './helpers.js';

const TEXT = '你好，世界 🌏 '.repeat(400); // compressible, above the threshold
const echo = (wss: WebSocketServer) => wss.on('connection', (ws) => ws.on('message', (d, b) => ws.send(d, { binary: b })));

describe('negotiation through the socket layer', () => {
  test('off by default on the server; the Node client offers it as browsers do', async () => {
    const { wss, url } = await startServer();
    const client = new WebSocket(url);
    await once(client, 'open');
    assert.equal(client.extensions, '');
    client.close();
    await closed(client);
    await new Promise((r) => wss.close(r));
  });

  test('enabled: agreed on both sides, bytes on the wire shrink, data intact', async () => {
    const { wss, url } = await startServer({ perMessageDeflate: true });
    const serverSide = once(wss, 'connection');
    echo(wss);
    const recorded = recordingSocket();
    const client = new WebSocket(url, [], recorded.options);
    await once(client, 'open');
    const [peer] = (await serverSide) as [WebSocket];
    assert.match(client.extensions, /^permessage-deflate/);
    assert.equal(peer.extensions, client.extensions);
    const socket = recorded.socket();
    const before = socket.bytesRead;
    const got = nextMessages(client, 3);
    client.send(TEXT);
    client.send(Buffer.from(TEXT));
    client.send('tiny'); // below the threshold: sent plain
    const msgs = await got;
    assert.deepEqual(msgs.map(([d, b]) => [d.toString(), b]), [[TEXT, false], [TEXT, true], ['tiny', false]]);
    assert.ok(socket.bytesRead - before < Buffer.byteLength(TEXT) / 4, `read ${socket.bytesRead - before} bytes`);
    client.close();
    await closed(client);
    await new Promise((r) => wss.close(r));
  });

  test('the client can turn it off', async () => {
    const { wss, url } = await startServer({ perMessageDeflate: true });
    const client = new WebSocket(url, [], { perMessageDeflate: false });
    await once(client, 'open');
    assert.equal(client.extensions, '');
    client.close();
    await closed(client);
    await new Promise((r) => wss.close(r));
  });
});

describe('interop with npm ws, compression negotiated', () => {
  for (const noTakeover of [false, true]) {
    const label = noTakeover ? 'without context takeover' : 'with context takeover';
    test(`ws client → our server, ${label}`, async () => {
      const { wss, url } = await startServer({ perMessageDeflate: { serverNoContextTakeover: noTakeover, clientNoContextTakeover: noTakeover } });
      echo(wss);
      const serverSide = once(wss, 'connection');
      const client = new npmWs.WebSocket(url, { perMessageDeflate: { threshold: 0 } });
      await once(client, 'open');
      const [peer] = (await serverSide) as [WebSocket];
      assert.match(client.extensions, /permessage-deflate/);
      assert.equal(/server_no_context_takeover/.test(peer.extensions), noTakeover, peer.extensions);
      const got: string[] = [];
      const all = new Promise<void>((r) => client.on('message', (d) => got.push(d.toString()) === 5 && r()));
      for (let i = 0; i < 5; i++) client.send(`${i}:${TEXT}`);
      await all;
      assert.deepEqual(got, [0, 1, 2, 3, 4].map((i) => `${i}:${TEXT}`));
      client.close();
      await once(client, 'close');
      await new Promise((r) => wss.close(r));
    });
    test(`our client → ws server, ${label}`, async () => {
      const server = new npmWs.WebSocketServer({
        port: 0,
        host: '127.0.0.1',
        perMessageDeflate: { threshold: 0, serverNoContextTakeover: noTakeover, clientNoContextTakeover: noTakeover },
      });
      await once(server, 'listening');
      server.on('connection', (peer) => peer.on('message', (d, b) => peer.send(d, { binary: b })));
      const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
      await once(client, 'open');
      assert.match(client.extensions, /permessage-deflate/);
      const got = nextMessages(client, 5);
      for (let i = 0; i < 5; i++) client.send(`${i}:${TEXT}`);
      assert.deepEqual((await got).map(([d]) => d.toString()), [0, 1, 2, 3, 4].map((i) => `${i}:${TEXT}`));
      client.close();
      await closed(client);
      server.close();
    });
  }
});

describe('one connection, many compressed messages interleaved with control frames', () => {
  for (const noTakeover of [false, true]) {
    const label = noTakeover ? 'without context takeover' : 'with context takeover';
    test(`ws client → our server, ${label}: 60 messages of mixed sizes and pings, in order`, async () => {
      const { wss, url } = await startServer({ perMessageDeflate: { threshold: 0, serverNoContextTakeover: noTakeover, clientNoContextTakeover: noTakeover } });
      echo(wss);
      const client = new npmWs.WebSocket(url, { perMessageDeflate: { threshold: 0 } });
      await once(client, 'open');
      const sent = Array.from({ length: 60 }, (_, i) => `${i}:` + 'abc{"k":1}'.repeat([1, 3000, 20, 9000, 2][i % 5]!));
      const got: string[] = [];
      let pongs = 0;
      client.on('pong', () => pongs++);
      const all = new Promise<void>((r) => client.on('message', (d) => got.push(d.toString()) === sent.length && r()));
      for (const [i, m] of sent.entries()) {
        client.send(m);
        if (i % 3 === 0) client.ping(Buffer.from(`p${i}`));
      }
      await all;
      assert.deepEqual(got, sent);
      assert.equal(pongs, 20);
      client.close();
      await once(client, 'close');
      await new Promise((r) => wss.close(r));
    });
  }
});

describe('limits and failures', () => {
  test('a decompression bomb is refused with 1009 once maxPayload bytes were produced', async () => {
    const { wss, port } = await startServer({ perMessageDeflate: true, maxPayload: 1024 * 1024 });
    const serverSide = once(wss, 'connection');
    // 64 MiB of zeros compress to about 64 KiB: far over the 1 MiB limit once inflated.
    const bomb = deflateRawSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
    const payload = bomb.subarray(0, bomb.length - 4).length > 0 ? bomb : bomb;
    const frame = Buffer.concat(encodeFrame(payload, { opcode: 2, rsv1: true, mask: true }));
    const heapBefore = process.memoryUsage().arrayBuffers;
    let peakArrayBuffers = heapBefore;
    const sampler = setInterval(() => (peakArrayBuffers = Math.max(peakArrayBuffers, process.memoryUsage().arrayBuffers)), 1);
    const answer = rawExchange(port, upgradeRequest('/', { 'Sec-WebSocket-Extensions': 'permessage-deflate' }), (s) => s.write(frame));
    const [peer] = (await serverSide) as [WebSocket];
    const [code] = await closed(peer);
    clearInterval(sampler);
    assert.equal(code, 1009);
    const bytes = await answer;
    const at = bytes.indexOf('\r\n\r\n') + 4;
    assert.deepEqual([...bytes.subarray(at, at + 4)], [0x88, 0x02, 0x03, 0xf1]);
    // Far less than the 64 MiB the message would inflate to.
    assert.ok(peakArrayBuffers - heapBefore < 16 * 1024 * 1024, `grew ${peakArrayBuffers - heapBefore}`);
    await new Promise((r) => wss.close(r));
  });

  test('RSV1 on a control frame is a protocol error even with compression agreed', async () => {
    const { wss, port } = await startServer({ perMessageDeflate: true });
    const ping = Buffer.concat(encodeFrame(Buffer.from('x'), { opcode: 9, rsv1: true, mask: true }));
    const bytes = await rawExchange(port, upgradeRequest('/', { 'Sec-WebSocket-Extensions': 'permessage-deflate' }), (s) => s.write(ping));
    const at = bytes.indexOf('\r\n\r\n') + 4;
    assert.deepEqual([...bytes.subarray(at, at + 4)], [0x88, 0x02, 0x03, 0xea]);
    await new Promise((r) => wss.close(r));
  });

  test('1,000 compressed connections sending at once all get their answers', async () => {
    const { wss, url } = await startServer({ perMessageDeflate: true });
    echo(wss);
    const clients = Array.from({ length: 1000 }, () => new WebSocket(url));
    await Promise.all(clients.map((c) => once(c, 'open')));
    const answers = clients.map((c) => nextMessages(c));
    clients.forEach((c, i) => c.send(`${i}:${TEXT}`));
    const results = await Promise.all(answers);
    results.forEach(([[data]], i) => assert.equal(data.toString(), `${i}:${TEXT}`));
    clients.forEach((c) => c.close());
    await Promise.all(clients.map(closed));
    await new Promise((r) => wss.close(r));
  });
});

describe('broadcast compresses once for connections without server context takeover', () => {
  test('one compressed frame shared by all subscribers, data intact', async () => {
    const { wss, url } = await startServer({ perMessageDeflate: { serverNoContextTakeover: true } });
    const clients = Array.from({ length: 20 }, () => new WebSocket(url));
    await Promise.all(clients.map((c) => once(c, 'open')));
    while (wss.clients.size < 20) await new Promise((r) => setImmediate(r));
    const got = Promise.all(clients.map((c) => nextMessages(c)));
    const message = prepareMessage(TEXT);
    assert.equal(wss.broadcast(message), 20);
    for (const [[data]] of await got) assert.equal(data.toString(), TEXT);
    assert.equal(message.compressedFrames.size, 1);
    clients.forEach((c) => c.close());
    await Promise.all(clients.map(closed));
    await new Promise((r) => wss.close(r));
  });
});
