import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket } from '../../src/ws/websocket.js';
import { WebSocketServer } from '../../src/ws/server.js';
import { prepareMessage } from '../../src/ws/prepared-message.js';
import { closed, nextMessages, rawExchange, recordingSocket, startServer, upgradeRequest } from './helpers.js';

const statusLine = (b: Buffer) => b.toString().split('\r\n')[0];

describe('bad handshakes get the right status and a closed socket; the server keeps serving', () => {
  const cases: Array<[string, string, string]> = [
    ['no key', upgradeRequest('/', {}, ['Sec-WebSocket-Key']), 'HTTP/1.1 400 Bad Request'],
    ['bad key', upgradeRequest('/', { 'Sec-WebSocket-Key': 'short' }), 'HTTP/1.1 400 Bad Request'],
    ['wrong version', upgradeRequest('/', { 'Sec-WebSocket-Version': '8' }), 'HTTP/1.1 426 Upgrade Required'],
    ['POST', upgradeRequest('/', {}, [], 'POST'), 'HTTP/1.1 405 Method Not Allowed'],
    ['no Upgrade header', upgradeRequest('/', {}, ['Upgrade', 'Connection']), 'HTTP/1.1 426 Upgrade Required'],
    ['Upgrade: h2c', upgradeRequest('/', { Upgrade: 'h2c' }), 'HTTP/1.1 400 Bad Request'],
    ['no Connection: Upgrade', upgradeRequest('/', { Connection: 'keep-alive', Upgrade: 'websocket' }), 'HTTP/1.1 426 Upgrade Required'],
    ['bad extension header', upgradeRequest('/', { 'Sec-WebSocket-Extensions': 'permessage-deflate;;' }), 'HTTP/1.1 400 Bad Request'],
  ];
  test('each refused, an open client unharmed', async () => {
    const { wss, url, port } = await startServer();
    wss.on('connection', (ws) => ws.on('message', (d, b) => ws.send(d, { binary: b })));
    const client = new WebSocket(url);
    await once(client, 'open');
    for (const [name, request, expected] of cases) {
      const answer = await rawExchange(port, request);
      assert.equal(statusLine(answer), expected, name);
      if (expected.includes('426') && name === 'wrong version') assert.match(answer.toString(), /Sec-WebSocket-Version: 13/);
    }
    const echo = nextMessages(client);
    client.send('still here');
    assert.equal((await echo)[0][0].toString(), 'still here');
    assert.equal(wss.clients.size, 1);
    client.close();
    await closed(client);
    await new Promise((r) => wss.close(r));
  });
});

describe('server options', () => {
  test('path filtering on an attached http server leaves other paths to other handlers', async () => {
    const server = http.createServer();
    const wss = new WebSocketServer({ server, path: '/ws' });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    wss.on('connection', (ws) => ws.send('hello'));
    const ok = new WebSocket(`ws://127.0.0.1:${port}/ws?x=1`);
    assert.equal((await nextMessages(ok))[0][0].toString(), 'hello');
    const wrong = await rawExchange(port, upgradeRequest('/other'));
    assert.equal(statusLine(wrong), 'HTTP/1.1 404 Not Found');
    ok.close();
    await closed(ok);
    await new Promise((r) => wss.close(r));
    server.close();
  });

  test('noServer with handleUpgrade', async () => {
    const wss = new WebSocketServer({ noServer: true });
    const server = http.createServer();
    server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => ws.send(`path ${req.url}`)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/room/1`);
    assert.equal((await nextMessages(client))[0][0].toString(), 'path /room/1');
    client.close();
    await closed(client);
    server.close();
  });

  test('handleProtocols picks the subprotocol; the default is the first offered', async () => {
    const picky = await startServer({ handleProtocols: (set) => (set.has('superchat') ? 'superchat' : false) });
    const a = new WebSocket(picky.url, ['chat', 'superchat']);
    await once(a, 'open');
    assert.equal(a.protocol, 'superchat');
    a.close();
    await closed(a);
    await new Promise((r) => picky.wss.close(r));
    const plain = await startServer();
    const b = new WebSocket(plain.url, ['chat', 'superchat']);
    await once(b, 'open');
    assert.equal(b.protocol, 'chat');
    b.close();
    await closed(b);
    await new Promise((r) => plain.wss.close(r));
  });

  test('verifyUpgrade can accept, refuse with a status, or time out; origins are checked', async () => {
    const { wss, port, url } = await startServer({
      handshakeTimeout: 200,
      origins: ['http://ok.example'],
      verifyUpgrade: async (req) => {
        if (req.url === '/slow') return new Promise(() => {});
        if (req.url === '/deny') return { status: 403, message: 'no entry' };
        if (req.url === '/anon') return false;
        return true;
      },
    });
    const refused = async (path: string, origin = 'http://ok.example') =>
      statusLine(await rawExchange(port, upgradeRequest(path, { Origin: origin })));
    assert.equal(await refused('/deny'), 'HTTP/1.1 403 Forbidden');
    assert.equal(await refused('/anon'), 'HTTP/1.1 401 Unauthorized');
    assert.equal(await refused('/slow'), 'HTTP/1.1 408 Request Timeout');
    assert.equal(await refused('/', 'http://evil.example'), 'HTTP/1.1 403 Forbidden');
    const ok = new WebSocket(url, [], { origin: 'http://ok.example' });
    await once(ok, 'open');
    ok.close();
    await closed(ok);
    await new Promise((r) => wss.close(r));
  });

  test('maxPayload closes with 1009', async () => {
    const { wss, url } = await startServer({ maxPayload: 1000 });
    const client = new WebSocket(url);
    await once(client, 'open');
    client.send(Buffer.alloc(1001));
    const [code] = await closed(client);
    assert.equal(code, 1009);
    await new Promise((r) => wss.close(r));
  });

  test('the heartbeat terminates a peer that stops answering pings, with one timer for all', async () => {
    const { wss, url } = await startServer({ heartbeatInterval: 50 });
    const serverSide = once(wss, 'connection');
    const recorded = recordingSocket();
    const client = new WebSocket(url, [], recorded.options);
    await once(client, 'open');
    const [ws] = (await serverSide) as [WebSocket];
    // Stop the client's automatic pong by pausing its socket: it goes silent.
    let pings = 0;
    client.on('ping', () => pings++);
    await new Promise((r) => setTimeout(r, 180));
    assert.ok(pings >= 1, 'pings arrive and are answered');
    assert.equal(ws.readyState, WebSocket.OPEN);
    recorded.socket().pause();
    const [code] = await closed(ws);
    assert.equal(code, 1006);
    await new Promise((r) => wss.close(r));
  });

  test('close() sends 1001 to every client and stops accepting', async () => {
    const { wss, url, port } = await startServer();
    const clients = [new WebSocket(url), new WebSocket(url)];
    await Promise.all(clients.map((c) => once(c, 'open')));
    const codes = Promise.all(clients.map(closed));
    await new Promise((r) => wss.close(r));
    assert.deepEqual((await codes).map(([c]) => c), [1001, 1001]);
    const late = new WebSocket(`ws://127.0.0.1:${port}`);
    late.on('error', () => {});
    assert.equal((await closed(late))[0], 1006);
  });

  test('broadcast frames once and reaches every open client', async () => {
    const { wss, url } = await startServer();
    const clients = Array.from({ length: 5 }, () => new WebSocket(url));
    await Promise.all(clients.map((c) => once(c, 'open')));
    while (wss.clients.size < 5) await new Promise((r) => setImmediate(r));
    const got = Promise.all(clients.map((c) => nextMessages(c)));
    const message = prepareMessage('广播 📣');
    assert.equal(wss.broadcast(message), 5);
    for (const [[data]] of await got) assert.equal(data.toString(), '广播 📣');
    clients.forEach((c) => c.close());
    await Promise.all(clients.map(closed));
    await new Promise((r) => wss.close(r));
  });

  test('a protocol violation by the client gets 1002 and does not disturb others', async () => {
    const { wss, url, port } = await startServer();
    wss.on('connection', (ws) => ws.on('message', (d, b) => ws.send(d, { binary: b })));
    const good = new WebSocket(url);
    await once(good, 'open');
    // An unmasked frame from a "client": the server must answer with close 1002.
    const answer = await rawExchange(port, upgradeRequest('/'), (s) => s.write(Buffer.from([0x81, 0x02, 0x68, 0x69])));
    const frameStart = answer.indexOf('\r\n\r\n') + 4;
    assert.deepEqual([...answer.subarray(frameStart, frameStart + 4)], [0x88, 0x02, 0x03, 0xea]);
    const echo = nextMessages(good);
    good.send('ok');
    assert.equal((await echo)[0][0].toString(), 'ok');
    good.close();
    await closed(good);
    await new Promise((r) => wss.close(r));
  });
});

describe('bytes that arrive with the handshake', () => {
  test('a frame in the same packet as the upgrade request reaches the server after connection', async () => {
    const { wss, port } = await startServer();
    const got = new Promise<string>((resolve) => wss.on('connection', (ws) => ws.on('message', (d) => resolve(d.toString()))));
    const { encodeFrame } = await import('../../src/protocol/frame.js');
    const frame = Buffer.concat(encodeFrame(Buffer.from('first 第一'), { opcode: 1, mask: true }));
    const answer = rawExchange(port, Buffer.concat([Buffer.from(upgradeRequest('/')), frame]), (s) => setTimeout(() => s.end(), 100));
    assert.equal(await got, 'first 第一');
    await answer;
    await new Promise((r) => wss.close(r));
  });

  test('a frame in the same packet as the 101 reaches the client after open', async () => {
    const net = await import('node:net');
    const { computeAccept } = await import('../../src/protocol/handshake.js');
    const server = net.createServer((socket) => {
      socket.once('data', (req) => {
        const key = /Sec-WebSocket-Key: (.+)\r\n/i.exec(req.toString())![1]!;
        socket.write(Buffer.concat([
          Buffer.from(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${computeAccept(key)}\r\n\r\n`),
          Buffer.from([0x81, 0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f]),
        ]));
        socket.on('data', () => {});
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/`, [], { closeTimeout: 100 });
    const order: string[] = [];
    client.on('open', () => order.push('open'));
    const message = new Promise<void>((resolve) => client.on('message', (d) => {
      order.push(`message:${d.toString()}:${client.readyState}`);
      resolve();
    }));
    await message;
    assert.deepEqual(order, ['open', 'message:hello:1']);
    client.terminate();
    server.close();
  });
});

describe('port mode reads plain upgrade requests itself and leaves everything else to node:http', () => {
  /** The status line a raw request gets (the socket is dropped once the answer's head came). */
  async function statusOf(port: number, parts: Array<string | Buffer>, gapMs = 30): Promise<string> {
    const net = await import('node:net');
    const socket = net.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    let answer = '';
    const done = new Promise<string>((resolve) => {
      socket.on('data', (c) => {
        answer += c.toString('latin1');
        if (answer.includes('\r\n\r\n')) resolve(answer.split('\r\n')[0]!);
      });
      socket.on('close', () => resolve(answer.split('\r\n')[0] ?? ''));
      socket.on('error', () => {});
    });
    for (const part of parts) {
      socket.write(part);
      if (parts.length > 1) await new Promise((r) => setTimeout(r, gapMs));
    }
    const status = await done;
    socket.destroy();
    return status;
  }

  const plain = upgradeRequest('/chat?room=1');
  const cases: Array<[string, Array<string | Buffer>]> = [
    ['plain', [plain]],
    ['split in two packets', [plain.slice(0, 40), plain.slice(40)]],
    ['split inside the final CRLFCRLF', [plain.slice(0, -2), plain.slice(-2)]],
    ['not an upgrade', ['GET /page HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n']],
    ['HTTP/1.0', [plain.replace('HTTP/1.1', 'HTTP/1.0')]],
    ['POST with a body', [upgradeRequest('/', { 'Content-Length': '2' }, [], 'POST') + 'hi']],
    ['duplicate key', [upgradeRequest('/').replace('\r\n\r\n', '\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n')]],
    ['duplicate Host', [upgradeRequest('/').replace('\r\n\r\n', '\r\nHost: other\r\n\r\n')]],
    ['obs-fold', [upgradeRequest('/').replace('Upgrade: websocket\r\n', 'Upgrade:\r\n websocket\r\n')]],
    ['a control character in a value', [upgradeRequest('/', { 'X-Note': 'a\x01b' })]],
    ['a space before the colon', [upgradeRequest('/').replace('Upgrade: websocket', 'Upgrade : websocket')]],
    ['bare LF line ends', [upgradeRequest('/').replace(/\r\n/g, '\n')]],
    ['headers over 16 KiB', [upgradeRequest('/', { 'X-Big': 'x'.repeat(20_000) })]],
    ['many headers', [upgradeRequest('/', Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`X-H${i}`, 'v'])))]],
    ['no key', [upgradeRequest('/', {}, ['Sec-WebSocket-Key'])]],
    ['wrong version', [upgradeRequest('/', { 'Sec-WebSocket-Version': '8' })]],
    ['absolute URL', [plain.replace('GET /chat', 'GET http://127.0.0.1/chat')]],
    ['lower-case method', [plain.replace('GET', 'get')]],
  ];

  test('every request gets the status an attached node:http server gives it', async () => {
    // The reference: the same WebSocketServer on a node:http server of our own (no fast path),
    // answering non-upgrade requests as port mode does.
    const reference = http.createServer((_req, res) => {
      const body = 'Upgrade Required';
      res.writeHead(426, { 'Content-Type': 'text/plain', 'Content-Length': body.length, Upgrade: 'websocket', Connection: 'close' });
      res.end(body);
    });
    reference.listen(0, '127.0.0.1');
    await once(reference, 'listening');
    const attached = new WebSocketServer({ server: reference });
    const { wss, port } = await startServer();
    const referencePort = (reference.address() as AddressInfo).port;
    for (const [name, parts] of cases) {
      const [fast, slow] = [await statusOf(port, parts), await statusOf(referencePort, parts)];
      assert.equal(fast, slow, name);
      if (name === 'plain' || name.startsWith('split')) assert.equal(fast, 'HTTP/1.1 101 Switching Protocols', name);
    }
    await new Promise((r) => wss.close(r));
    await new Promise((r) => attached.close(r));
    reference.close();
  });

  test('the request a fast-path connection reports is an IncomingMessage with what was sent', async () => {
    const seen: http.IncomingMessage[] = [];
    const { wss, url } = await startServer({
      path: '/chat',
      verifyUpgrade: (req) => {
        seen.push(req);
        return true;
      },
    });
    const connected = once(wss, 'connection');
    const client = new WebSocket(`${url}/chat?room=1`, ['v1.volley'], { headers: { 'X-Token': 'abc' } });
    await once(client, 'open');
    const [ws, req] = (await connected) as [WebSocket, http.IncomingMessage];
    assert.equal(seen[0], req);
    assert.ok(req instanceof http.IncomingMessage);
    assert.equal(req.method, 'GET');
    assert.equal(req.url, '/chat?room=1');
    assert.equal(req.httpVersion, '1.1');
    assert.equal(req.headers['x-token'], 'abc');
    assert.equal(req.headers['sec-websocket-protocol'], 'v1.volley');
    assert.ok(req.rawHeaders.includes('X-Token'));
    assert.equal(req.socket.remoteAddress, '127.0.0.1');
    assert.equal(ws.protocol, 'v1.volley');
    // Another path is refused with 404, as before.
    const other = new WebSocket(`${url}/elsewhere`);
    const refused = new Promise<Error>((resolve) => other.on('error', resolve));
    const otherClosed = closed(other);
    assert.match((await refused).message, /404/);
    await otherClosed;
    client.close();
    await closed(client);
    await new Promise((r) => wss.close(r));
  });

  test('close() drops sockets that have not sent their request yet', async () => {
    const net = await import('node:net');
    const { wss, port } = await startServer();
    const socket = net.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.on('error', () => {});
    await new Promise((r) => setTimeout(r, 20));
    const gone = once(socket, 'close');
    await new Promise((r) => wss.close(r));
    await gone;
  });
});
