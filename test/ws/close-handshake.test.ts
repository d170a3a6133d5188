import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { WebSocket } from '../../src/ws/websocket.js';
import { computeAccept } from '../../src/protocol/handshake.js';
import { encodeFrame } from '../../src/protocol/frame.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { closed, startServer, upgradeRequest } from './helpers.js';

/** A raw TCP client that has completed the handshake; returns the socket and bytes after the 101. */
async function rawClient(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(upgradeRequest('/'));
  let buffered = Buffer.alloc(0);
  await new Promise<void>((resolve) => {
    const onData = (c: Buffer) => {
      buffered = Buffer.concat([buffered, c]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end !== -1) {
        buffered = buffered.subarray(end + 4);
        socket.off('data', onData);
        resolve();
      }
    };
    socket.on('data', onData);
  });
  const received: Buffer[] = [buffered];
  socket.on('data', (c) => received.push(c));
  return { socket, received: () => Buffer.concat(received) };
}

const maskedClose = (code: number) => Buffer.concat(encodeFrame(Buffer.from([code >> 8, code & 0xff]), { opcode: 8, mask: true }));

test('server-initiated close: the server sends its close, gets the reply, and closes TCP first', async () => {
  const { wss, port } = await startServer();
  const serverSide = once(wss, 'connection');
  const { socket, received } = await rawClient(port);
  const [ws] = (await serverSide) as [WebSocket];
  const serverClosed = closed(ws);
  ws.close(1000, 'bye');
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual([...received().subarray(0, 2)], [0x88, 0x05]);
  const ended = once(socket, 'end'); // the FIN comes from the server
  socket.write(maskedClose(1000));
  await ended;
  assert.deepEqual(await serverClosed, [1000, '']); // as the peer's close frame said
  socket.destroy();
  await new Promise((r) => wss.close(r));
});

test('client-initiated close: the server echoes the code and closes TCP first', async () => {
  const { wss, port } = await startServer();
  const { socket, received } = await rawClient(port);
  const ended = once(socket, 'end');
  socket.write(maskedClose(4000));
  await ended;
  assert.deepEqual([...received()], [0x88, 0x02, 0x0f, 0xa0]);
  socket.destroy();
  await new Promise((r) => wss.close(r));
});

test('the close timeout ends a client that never answers the close', async () => {
  const { wss, port } = await startServer({ closeTimeout: 100 });
  const serverSide = once(wss, 'connection');
  const { socket } = await rawClient(port);
  const [ws] = (await serverSide) as [WebSocket];
  ws.close(1000);
  const [code] = await closed(ws); // silent peer: no close frame ever comes back
  assert.equal(code, 1006);
  assert.equal(ws.readyState, WebSocket.CLOSED);
  socket.destroy();
  await new Promise((r) => wss.close(r));
});

/** A raw server that accepts the handshake and then runs `then` on the socket. */
async function rawServer(then: (socket: net.Socket) => void) {
  const server = net.createServer((socket) => {
    socket.once('data', (req) => {
      const key = /Sec-WebSocket-Key: (.+)\r\n/i.exec(req.toString())![1]!;
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${computeAccept(key)}\r\n\r\n`);
      then(socket);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

test('the client closes TCP itself when the server never closes it after the handshake', async () => {
  const { server, url } = await rawServer((socket) => {
    socket.on('data', () => {}); // reads the client's close, never answers, never closes
  });
  const client = new WebSocket(url, [], { closeTimeout: 100 });
  await once(client, 'open');
  client.close(1000);
  const [code] = await closed(client);
  assert.equal(code, 1006);
  server.close();
});

test('the client fails the connection with 1002 on a masked server frame', async () => {
  let fromClient = Buffer.alloc(0);
  const { server, url } = await rawServer((socket) => {
    socket.on('data', (c) => (fromClient = Buffer.concat([fromClient, c])));
    socket.write(Buffer.concat(encodeFrame(Buffer.from('hi'), { opcode: 1, mask: true })));
  });
  const client = new WebSocket(url, [], { closeTimeout: 200 });
  let error: any;
  client.on('error', (e) => (error = e));
  const [code] = await closed(client);
  assert.equal(code, 1002);
  assert.equal(error.code, ErrorCode.UnexpectedMask);
  // The client's close frame (masked) carries 1002.
  assert.equal(fromClient[0], 0x88);
  const mask = fromClient.subarray(2, 6);
  assert.equal(((fromClient[6]! ^ mask[0]!) << 8) | (fromClient[7]! ^ mask[1]!), 1002);
  server.close();
});

test('the client fails with 1007 on invalid UTF-8 from the server', async () => {
  const { server, url } = await rawServer((socket) => {
    socket.on('data', () => {});
    socket.write(Buffer.from([0x81, 0x02, 0xc0, 0xaf]));
  });
  const client = new WebSocket(url, [], { closeTimeout: 200 });
  client.on('error', () => {});
  assert.equal((await closed(client))[0], 1007);
  server.close();
});
