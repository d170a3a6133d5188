import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { WebSocket } from '../../src/ws/websocket.js';
import { closed, nextMessages, startServer } from './helpers.js';
import { ErrorCode } from '../../src/protocol/errors.js';

describe('client and server, both ways', () => {
  test("the seed's echo: 'Server: ' + message, with the browser API on the client", async () => {
    const { wss, url } = await startServer();
    wss.on('connection', (ws) => ws.on('message', (data: Buffer) => ws.send('Server: ' + data.toString())));
    const client = new WebSocket(url);
    assert.equal(client.readyState, WebSocket.CONNECTING);
    const events: string[] = [];
    const done = new Promise<void>((resolve) => {
      client.onopen = () => {
        events.push('open');
        client.send('你好 🌏');
      };
      client.onmessage = (evt) => {
        events.push(`message:${evt.data}`);
        client.close();
      };
      client.onclose = (evt) => {
        events.push(`close:${evt.code}:${evt.wasClean}`);
        resolve();
      };
    });
    await done;
    assert.deepEqual(events, ['open', 'message:Server: 你好 🌏', 'close:1005:true']);
    assert.equal(client.readyState, WebSocket.CLOSED);
    await new Promise((r) => wss.close(r));
  });

  test('every sendable type and binaryType', async () => {
    const { wss, url } = await startServer();
    wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
    const client = new WebSocket(url);
    await once(client, 'open');
    const got = nextMessages(client, 5);
    client.send('text');
    client.send(Buffer.from([1, 2]));
    client.send(new Uint8Array([3, 4]).buffer);
    client.send(new Uint16Array([0x0605]));
    client.send(new Blob([new Uint8Array([7, 8])]));
    const msgs = await got;
    assert.deepEqual(msgs.map(([d, b]) => [Buffer.from(d).toString('hex'), b]), [
      [Buffer.from('text').toString('hex'), false], ['0102', true], ['0304', true], ['0506', true], ['0708', true],
    ]);
    // binaryType shapes the browser-style event's data; Node-style listeners always get a Buffer.
    const nextEvent = () => new Promise<any>((r) => client.addEventListener('message', (e) => r(e.data), { once: true }));
    client.binaryType = 'arraybuffer';
    const ab = nextEvent();
    const abRaw = nextMessages(client);
    client.send(Buffer.from([9]));
    assert.ok((await ab) instanceof ArrayBuffer);
    assert.ok(Buffer.isBuffer((await abRaw)[0][0]));
    client.binaryType = 'blob';
    const blob = nextEvent();
    client.send(Buffer.from([10]));
    assert.deepEqual(Buffer.from(await ((await blob) as Blob).arrayBuffer()), Buffer.from([10]));
    const text = nextEvent();
    client.send('文字');
    assert.equal(await text, '文字');
    client.close(1000);
    await closed(client);
    await new Promise((r) => wss.close(r));
  });

  test('sizes 0, 125, 126, 65535, 65536 and 16 MiB both ways', async () => {
    const { wss, url } = await startServer();
    wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
    const client = new WebSocket(url);
    await once(client, 'open');
    for (const size of [0, 125, 126, 65535, 65536, 16 * 1024 * 1024]) {
      const payload = Buffer.alloc(size);
      for (let i = 0; i < size; i += 4096) payload[i] = (i / 4096) & 0xff;
      const got = nextMessages(client);
      client.send(payload);
      const [[data, isBinary]] = await got;
      assert.equal(isBinary, true);
      assert.ok(payload.equals(data), `size ${size}`);
    }
    client.close();
    await closed(client);
    await new Promise((r) => wss.close(r));
  });

  test('ping and pong with payloads; automatic pong', async () => {
    const { wss, url } = await startServer();
    const serverSide = once(wss, 'connection');
    const client = new WebSocket(url);
    await once(client, 'open');
    const [ws] = (await serverSide) as [WebSocket];
    const pong = once(ws, 'pong');
    const ping = once(client, 'ping');
    ws.ping('are you there');
    assert.equal(((await ping)[0] as Buffer).toString(), 'are you there');
    assert.equal(((await pong)[0] as Buffer).toString(), 'are you there');
    assert.throws(() => ws.ping(Buffer.alloc(126)), RangeError);
    client.close();
    await closed(client);
    await new Promise((r) => wss.close(r));
  });

  test('close codes and reasons are seen on both sides', async () => {
    const { wss, url } = await startServer();
    const serverSide = once(wss, 'connection');
    const client = new WebSocket(url);
    await once(client, 'open');
    const [ws] = (await serverSide) as [WebSocket];
    const serverClosed = closed(ws);
    const clientClosed = new Promise<[number, string, boolean]>((r) => (client.onclose = (e) => r([e.code, e.reason, e.wasClean])));
    client.close(4001, '再见');
    assert.equal(client.readyState, WebSocket.CLOSING);
    assert.deepEqual(await serverClosed, [4001, '再见']);
    assert.deepEqual(await clientClosed, [4001, '再见', true]);
    await new Promise((r) => wss.close(r));
  });

  test('the server closes first and the client sees it', async () => {
    const { wss, url } = await startServer();
    wss.on('connection', (ws) => ws.close(1008, 'policy'));
    const client = new WebSocket(url);
    assert.deepEqual(await closed(client), [1008, 'policy']);
    await new Promise((r) => wss.close(r));
  });

  test('close() is checked as a browser checks it', async () => {
    const { wss, url } = await startServer();
    const client = new WebSocket(url);
    await once(client, 'open');
    for (const code of [999, 1001, 1005, 2999, 5000]) {
      assert.throws(() => client.close(code), (e: any) => e.code === ErrorCode.InvalidCloseArgs);
    }
    assert.throws(() => client.close(1000, 'x'.repeat(124)), (e: any) => e.code === ErrorCode.InvalidCloseArgs);
    client.close(1000, 'x'.repeat(123));
    await closed(client);
    await new Promise((r) => wss.close(r));
  });

  test('send while CONNECTING throws; after close it reports through the callback', async () => {
    const { wss, url } = await startServer();
    const client = new WebSocket(url);
    assert.throws(() => client.send('early'), (e: any) => e.code === ErrorCode.InvalidState);
    await once(client, 'open');
    client.close();
    const err = await new Promise<Error | null | undefined>((r) => client.send('late', r));
    assert.equal((err as any)?.code, ErrorCode.NotOpen);
    await closed(client);
    await new Promise((r) => wss.close(r));
  });

  test('addEventListener, once, removeEventListener and handleEvent objects', async () => {
    const { wss, url } = await startServer();
    wss.on('connection', (ws) => {
      ws.send('a');
      ws.send('b');
    });
    const client = new WebSocket(url);
    const seen: string[] = [];
    const listener = (e: any) => seen.push(`fn:${e.data}`);
    client.addEventListener('message', listener);
    client.addEventListener('message', { handleEvent: (e: any) => seen.push(`obj:${e.data}`) }, { once: true });
    await nextMessages(client, 2);
    client.removeEventListener('message', listener);
    assert.deepEqual(seen, ['fn:a', 'obj:a', 'fn:b']);
    client.close();
    await closed(client);
    await new Promise((r) => wss.close(r));
  });
});

describe('failures surface as a browser surfaces them: error, then close 1006', () => {
  test('connection refused', async () => {
    const { wss, port } = await startServer();
    await new Promise((r) => wss.close(r));
    const client = new WebSocket(`ws://127.0.0.1:${port}`);
    const order: string[] = [];
    client.onerror = (e) => order.push(`error:${(e.error as any).code}`);
    const [code] = await closed(client);
    assert.equal(code, 1006);
    assert.deepEqual(order, [`error:${ErrorCode.ConnectionFailed}`]);
  });

  test('DNS failure', async () => {
    const client = new WebSocket('ws://does-not-exist.invalid/');
    let error: any;
    client.on('error', (e) => (error = e));
    const [code] = await closed(client);
    assert.equal(code, 1006);
    assert.equal(error.code, ErrorCode.ConnectionFailed);
  });

  test('handshake timeout', async () => {
    const net = await import('node:net');
    const silent = net.createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as any).port;
    const client = new WebSocket(`ws://127.0.0.1:${port}`, [], { handshakeTimeout: 200 });
    let error: any;
    client.on('error', (e) => (error = e));
    const [code] = await closed(client);
    assert.equal(code, 1006);
    assert.equal(error.code, ErrorCode.HandshakeTimeout);
    silent.close();
  });

  test('a non-101 answer', async () => {
    const http = await import('node:http');
    const server = http.createServer((_q, s) => s.writeHead(404).end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const client = new WebSocket(`ws://127.0.0.1:${(server.address() as any).port}`);
    let error: any;
    client.on('error', (e) => (error = e));
    await closed(client);
    assert.equal(error.code, ErrorCode.HandshakeRejected);
    assert.match(error.message, /404/);
    server.close();
  });

  test('close() while CONNECTING', async () => {
    const { wss, url } = await startServer();
    const client = new WebSocket(url);
    let errored = false;
    client.on('error', () => (errored = true));
    client.close();
    const [code] = await closed(client);
    assert.equal(code, 1006);
    assert.equal(errored, true);
    await new Promise((r) => wss.close(r));
  });

  test('no error listener: the process does not crash', async () => {
    const client = new WebSocket('ws://127.0.0.1:1/');
    const [code] = await closed(client);
    assert.equal(code, 1006);
  });

  test('bad URLs and subprotocols throw at once', () => {
    for (const bad of ['not a url', 'ftp://x/', 'ws://host/#frag']) {
      assert.throws(() => new WebSocket(bad), (e: any) => e.code === ErrorCode.InvalidUrl);
    }
    assert.throws(() => new WebSocket('ws://127.0.0.1:1/', ['a', 'a']), (e: any) => e.code === ErrorCode.InvalidUrl);
    assert.throws(() => new WebSocket('ws://127.0.0.1:1/', 'a b'), (e: any) => e.code === ErrorCode.InvalidUrl);
  });
});
